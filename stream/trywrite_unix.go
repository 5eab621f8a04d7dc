//go:build unix

package stream

import "syscall"

// canTryWrite reports whether tryWrite works here.
const canTryWrite = true

// rawWriter writes to a socket without blocking. Its callback is made
// once, with the state in the struct, so that a write allocates nothing
// (a closure handed to RawConn.Write would escape on every call).
type rawWriter struct {
	b   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

// tryWrite writes as much of b to the socket as it takes without
// blocking (the socket is non-blocking, as every socket the net
// package opens), and returns how much that was.
func (w *rawWriter) tryWrite(rc syscall.RawConn, b []byte) (n int, err error) {
	if w.fn == nil {
		w.fn = w.write
	}
	w.b, w.n, w.err = b, 0, nil
	werr := rc.Write(w.fn)
	n, err = w.n, w.err
	w.b, w.err = nil, nil
	if err == nil {
		err = werr
	}
	return n, err
}

func (w *rawWriter) write(fd uintptr) bool {
	for w.n < len(w.b) {
		k, e := syscall.Write(int(fd), w.b[w.n:])
		if k > 0 {
			w.n += k
		}
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return true // full: the rest is the writer goroutine's
		case e != nil:
			w.err = e
			return true
		case k == 0:
			return true
		}
	}
	return true
}

// socketHasInput reports whether a read of the socket would not block:
// input is there, or the end of it, or an error.
func socketHasInput(fd uintptr) bool {
	var b [1]byte
	for {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err == syscall.EINTR {
			continue
		}
		return err != syscall.EAGAIN
	}
}
