//go:build unix && !linux

package stream

// The receive low-water mark of a busy socket is raised on Linux only
// (see lowat_linux.go): on the BSDs a non-blocking read of a socket with
// less than its mark queued fails with EWOULDBLOCK instead of returning
// what there is.

func (*rawSocket) setBusy()    {}
func (*rawSocket) setWaiting() {}
