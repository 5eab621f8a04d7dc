package stream

import "syscall"

// busyLowat is the receive low-water mark of a busy socket (setBusy).
const busyLowat = 256 << 10

// setBusy raises the socket's receive low-water mark (SO_RCVLOWAT) while
// the reader is busy reading it and nobody waits for it to become
// readable. Arriving data then does not make the socket "readable" for
// the runtime's poller until that much is queued, so the poller's
// thread is not woken for every packet while no goroutine waits (on a
// busy echo stream with an idle P, that wake-up per packet cost about
// a sixth of the process's CPU time). Reads that do not wait are not
// affected: they return what there is. setWaiting lowers the mark back
// to one byte before anyone waits.
func (r *rawSocket) setBusy() {
	if !r.busy && r.rc != nil {
		r.busy = true
		r.applyMark()
	}
}

// setWaiting undoes setBusy, before the reader waits for input.
func (r *rawSocket) setWaiting() {
	if r.busy {
		r.busy = false
		r.applyMark()
	}
}

// applyMark sets SO_RCVLOWAT to what busy says.
func (r *rawSocket) applyMark() {
	if r.lowatFn == nil {
		r.lowatFn = r.setLowat
	}
	r.rc.Control(r.lowatFn)
}

func (r *rawSocket) setLowat(fd uintptr) {
	n := 1
	if r.busy {
		n = busyLowat
	}
	syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT, n)
}
