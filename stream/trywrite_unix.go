//go:build unix

package stream

import (
	"io"
	"syscall"
)

// canTryWrite reports whether tryWrite works here.
const canTryWrite = true

// rawSocket reads and writes a socket without blocking (the socket is
// non-blocking, as every socket the net package opens), for the reader
// goroutine: idle's reads and flushInline's writes, never two at once.
// Its callbacks are made once, with the state in the struct, so that a
// call allocates nothing (a closure handed to RawConn.Read or Write
// would escape on every call).
type rawSocket struct {
	rc              syscall.RawConn // nil when the connection is not a socket
	p               []byte
	n               int
	err             error
	readFn, writeFn func(fd uintptr) bool
	lowatFn         func(fd uintptr)
	busy            bool // SO_RCVLOWAT is busyLowat, else 1: see setBusy (Linux only)
}

// tryWrite writes as much of b to the socket as it takes without
// blocking, and returns how much that was.
func (r *rawSocket) tryWrite(b []byte) (n int, err error) {
	if r.writeFn == nil {
		r.writeFn = r.write
	}
	r.p, r.n, r.err = b, 0, nil
	werr := r.rc.Write(r.writeFn)
	n, err = r.n, r.err
	r.p, r.err = nil, nil
	if err == nil {
		err = werr
	}
	return n, err
}

func (r *rawSocket) write(fd uintptr) bool {
	for r.n < len(r.p) {
		k, e := syscall.Write(int(fd), r.p[r.n:])
		if k > 0 {
			r.n += k
		}
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return true // full: the rest is the writer goroutine's
		case e != nil:
			r.err = e
			return true
		case k == 0:
			return true
		}
	}
	return true
}

// Read reads what the socket has, without waiting: errAgain when it
// has nothing yet, io.EOF at its end, a syscall.Errno on an error. (An
// io.Reader for fastxml.Scanner.Fill.)
func (r *rawSocket) Read(p []byte) (int, error) {
	if r.readFn == nil {
		r.readFn = r.read
	}
	r.p, r.n, r.err = p, 0, nil
	rerr := r.rc.Read(r.readFn)
	n, err := r.n, r.err
	r.p, r.err = nil, nil
	if err == nil {
		err = rerr
	}
	return n, err
}

func (r *rawSocket) read(fd uintptr) bool {
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
