//go:build unix

package stream

import (
	"io"
	"syscall"
)

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

// rawReader reads from a socket without blocking, as an io.Reader for
// fastxml.Scanner.Fill. Like rawWriter, its callback is made once.
type rawReader struct {
	rc  syscall.RawConn
	p   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

// Read reads what the socket has, without waiting: errAgain when it
// has nothing yet, io.EOF at its end, a syscall.Errno on an error.
func (r *rawReader) Read(p []byte) (int, error) {
	if r.fn == nil {
		r.fn = r.read
	}
	r.p, r.n, r.err = p, 0, nil
	rerr := r.rc.Read(r.fn)
	n, err := r.n, r.err
	r.p, r.err = nil, nil
	if err == nil {
		err = rerr
	}
	return n, err
}

func (r *rawReader) read(fd uintptr) bool {
	for {
		n, e := syscall.Read(int(fd), r.p)
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			r.err = errAgain
		case e != nil:
			r.err = e
		case n == 0:
			r.err = io.EOF
		default:
			r.n = n
		}
		return true
	}
}

// socketHasInput reports whether a read of the socket would not block:
// input is there, or the end of it, or an error. An error (a reset,
// say) is returned too: the peek has taken it from the socket, and a
// read after it would find only the end.
func socketHasInput(fd uintptr) (bool, error) {
	var b [1]byte
	for {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false, nil
		case nil:
			return true, nil
		}
		return true, err
	}
}
