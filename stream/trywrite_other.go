//go:build !unix

package stream

import (
	"errors"
	"syscall"
)

// canTryWrite reports whether tryWrite works here.
const canTryWrite = false

func tryWrite(syscall.RawConn, []byte) (int, error) {
	return 0, errors.New("stream: no non-blocking socket writes on this system")
}
