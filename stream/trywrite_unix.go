//go:build unix

package stream

import "syscall"

// canTryWrite reports whether tryWrite works here.
const canTryWrite = true

// tryWrite writes as much of b to the socket as it takes without
// blocking (the socket is non-blocking, as every socket the net
// package opens), and returns how much that was.
func tryWrite(rc syscall.RawConn, b []byte) (n int, err error) {
	werr := rc.Write(func(fd uintptr) bool {
		for n < len(b) {
			k, e := syscall.Write(int(fd), b[n:])
			if k > 0 {
				n += k
			}
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
				return true // full: the rest is the writer goroutine's
			case e != nil:
				err = e
				return true
			case k == 0:
				return true
			}
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return n, err
}
