//go:build !unix

package stream

import (
	"errors"
	"syscall"
)

// canTryWrite reports whether tryWrite works here.
const canTryWrite = false

// rawSocket is unused where there are no non-blocking socket reads
// and writes (a Stream has no raw socket there: rc stays nil).
type rawSocket struct {
	rc   syscall.RawConn
	busy bool // never set here
}

func (*rawSocket) tryWrite([]byte) (int, error) {
	return 0, errors.New("stream: no non-blocking socket writes on this system")
}

func (*rawSocket) Read([]byte) (int, error) {
	return 0, errors.New("stream: no non-blocking socket reads on this system")
}

func socketHasInput(uintptr) (bool, error) { return true, nil }

func (*rawSocket) setBusy()    {}
func (*rawSocket) setWaiting() {}
