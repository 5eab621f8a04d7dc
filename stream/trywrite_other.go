//go:build !unix

package stream

import (
	"errors"
	"syscall"
)

// canTryWrite reports whether tryWrite works here.
const canTryWrite = false

// rawWriter is unused where there are no non-blocking socket writes.
type rawWriter struct{}

func (*rawWriter) tryWrite(syscall.RawConn, []byte) (int, error) {
	return 0, errors.New("stream: no non-blocking socket writes on this system")
}

func socketHasInput(uintptr) (bool, error) { return true, nil }

// rawReader is unused where there are no non-blocking socket reads
// (a Stream has no raw socket there).
type rawReader struct{ rc syscall.RawConn }

func (*rawReader) Read([]byte) (int, error) {
	return 0, errors.New("stream: no non-blocking socket reads on this system")
}
