package stream

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/xmppcore/xmppcore/metrics"
	"github.com/xmppcore/xmppcore/stanzapool"
)

// The send path. Senders append each stanza's bytes to one pending
// buffer under a mutex and hand their pooled buffer straight back for
// reuse; the writer goroutine swaps the pending buffer for its spare
// one and writes it in a single call. While a write is in flight the
// next batch accumulates, so under load many stanzas share a syscall,
// and a lone stanza leaves at once because the first byte queued with
// no writer running starts one. A writer with nothing left to write
// ends: an idle stream has no writer goroutine.
//
// This replaced a channel of buffers (one channel operation per
// stanza on each side, plus a second channel to recycle written
// buffers). BenchmarkOutgoingQueue measures the three candidates (this,
// the channel, and the SPSC ring behind a mutex, since any goroutine
// may send); the byte queue won each case, and bench/RESULTS.md has the
// numbers.

// sendQueue is a Stream's outgoing queue.
type sendQueue struct {
	mu         sync.Mutex
	pending    []byte                                         // queued stanzas, back to back
	n          int                                            // stanzas in pending
	limit      int                                            // most stanzas pending at once (Config.QueueLen)
	bytes      int                                            // most bytes pending at once (Config.QueueBytes)
	idle       bool                                           // no writer goroutine runs: the next wake-up starts one
	closed     bool                                           // the writer has taken its last batch
	holding    bool                                           // the inline reader is in a read chunk: see hold
	writing    bool                                           // a batch is being written; the next waits for it
	proto      bool                                           // pending holds only protocol bytes (putProto): see written
	protoW     bool                                           // so did the batch being written
	carrying   bool                                           // spare holds the whole batch that carry ends: see carryOver
	spare      []byte                                         // an emptied batch buffer, for the next pending
	carry      []byte                                         // the unwritten end of a batch, for the writer to finish
	waiters    int                                            // senders waiting for room
	gated      bool                                           // the session has not started: see open
	gate       []byte                                         // stanzas sent before the session started
	gateEnd    []int                                          // where each stanza in gate ends (with its <r/>, if any): one per stanza
	unsent     [][]byte                                       // the gate's stanzas, when the stream ended with them held back
	depth      *metrics.Gauge                                 // Config.Metrics' queue depth, or nil
	sent       *atomic.Uint64                                 // Stats.StanzasOut: stanzas taken to be written
	sentMetric *metrics.Counter                               // Config.Metrics' stanzas out, or nil
	sm         *SM                                            // Config.SM: every stanza queued is tracked
	smFull     bool                                           // the SM refused a stanza: MaxUnacked are out (until roomMade)
	free       [freeBuffers]atomic.Pointer[stanzapool.Buffer] // emptied buffers for NewBuffer, without the lock

	add   func()        // counts a writer about to start, under mu (so Run's wait sees it)
	start func()        // starts that writer goroutine (the Stream's writeLoop)
	room  chan struct{} // wakes one waiting sender; capacity 1; made by the first to wait
	wrote chan struct{} // wakes the writer's last take after a flush write; capacity 1; made by last
}

// holdBytes is how much a holding queue gathers before it wakes the
// writer anyway (as it does when the queue is full, so that a sender
// waiting for room is never left waiting for a writer that sleeps).
const holdBytes = 256 << 10

// freeBuffers bounds the emptied buffers kept for NewBuffer. Buffers
// go back at enqueue time, so only those held by senders between
// NewBuffer and Send are out at once: one per sending goroutine.
const freeBuffers = 4

// shrinkAbove is the capacity above which the writer drops a batch
// buffer after writing it, so that one burst does not pin its memory;
// unless as much is pending again, which the next batch will need: a
// stream behind on its writes would otherwise grow a new buffer from
// nothing for every batch (a third of its CPU time, measured, in
// copies and clearing).
const shrinkAbove = 256 << 10

func (q *sendQueue) init(limit, bytes int) {
	q.limit, q.bytes = limit, bytes
	q.gated = true
	q.idle = true // no writer until there is something to write
}

// get returns an emptied buffer, or nil when none is kept.
func (q *sendQueue) get() *stanzapool.Buffer {
	for i := range q.free {
		if b := q.free[i].Swap(nil); b != nil {
			return b
		}
	}
	return nil
}

// recycle keeps b, emptied, for get, or releases it.
func (q *sendQueue) recycle(b *stanzapool.Buffer) {
	if !b.Reuse() { // it released b
		return
	}
	for i := range q.free {
		if q.free[i].CompareAndSwap(nil, b) {
			return
		}
	}
	b.Release()
}

// tryPut appends data as one stanza unless the queue is full, then
// takes b (which may be nil) back for reuse. It reports whether data
// was queued; when the queue is full it returns false and a nil error
// and leaves b to the caller. Once the writer has taken its last batch
// it releases b and returns ErrClosed.
func (q *sendQueue) tryPut(data []byte, b *stanzapool.Buffer) (bool, error) {
	return q.offer(data, nil, b)
}

// offer is tryPut of data, or, when build is not nil, of the stanza
// build appends, built in place under the lock (Stream.SendAppend: the
// queue never tracks those for the SM, see there).
func (q *sendQueue) offer(data []byte, build func([]byte) []byte, b *stanzapool.Buffer) (bool, error) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		if b != nil {
			b.Release()
		}
		return false, ErrClosed
	}
	if q.fullLocked() {
		q.mu.Unlock()
		return false, nil
	}
	ask := false
	if q.sm != nil && build == nil {
		var full bool
		var err error
		if ask, full, err = q.sm.trackLocked(q, data); err != nil || full {
			q.smFull = full // put waits for the acknowledgements that make room
			q.mu.Unlock()
			if err != nil && b != nil {
				b.Release()
			}
			return false, err
		}
	}
	if q.gated {
		q.gate = q.appendStanza(q.gate, data, build)
		if ask {
			q.gate = append(q.gate, smAsk...)
		}
		q.gateEnd = append(q.gateEnd, len(q.gate))
		q.mu.Unlock()
		if b != nil {
			q.recycle(b)
		}
		return true, nil
	}
	q.pending = q.appendStanza(q.pending, data, build)
	q.proto = false
	if ask {
		q.pending = append(q.pending, smAsk...)
	}
	q.n++
	wake := (!q.holding || len(q.pending) >= holdBytes || q.fullLocked()) && q.claimLocked()
	more := q.waiters > 0 && !q.fullLocked()
	room := q.room
	q.mu.Unlock()
	if b != nil {
		q.recycle(b)
	}
	if wake {
		q.start()
	}
	if more {
		signal(room) // pass the wake-up on to the next waiting sender
	}
	return true, nil
}

// appendStanza appends data, or what build appends. A build that
// panics leaves what it appended out (it never returned it) and the
// lock released: the panic is its handler's, recovered there (the
// exception hook), and the stream goes on.
func (q *sendQueue) appendStanza(dst, data []byte, build func([]byte) []byte) []byte {
	if build == nil {
		return append(dst, data...)
	}
	built := false
	defer func() {
		if !built {
			q.mu.Unlock()
		}
	}()
	dst = build(dst)
	built = true
	return dst
}

// put is offer that waits for room until ctx ends or done is closed,
// and always takes b over. It returns nil when the stanza was queued.
func (q *sendQueue) put(ctx context.Context, done <-chan struct{}, data []byte, build func([]byte) []byte, b *stanzapool.Buffer) error {
	for {
		if ok, err := q.offer(data, build, b); ok || err != nil {
			return err
		}
		q.mu.Lock()
		full := q.fullLocked() && !q.closed
		if full {
			q.waiters++
			if q.room == nil {
				q.room = make(chan struct{}, 1)
			}
		}
		room := q.room
		q.mu.Unlock()
		if !full {
			continue
		}
		var err error
		select {
		case <-room:
		case <-done:
			err = ErrClosed
		case <-ctx.Done():
			err = ctx.Err()
		}
		q.mu.Lock()
		q.waiters--
		q.mu.Unlock()
		if err != nil {
			if b != nil {
				b.Release()
			}
			return err
		}
	}
}

// take returns the pending bytes as the next batch to write, once no
// other batch is being written; the caller writes it and hands it back
// with written. When stop is closed and nothing is left, it returns
// last's batch instead, and final true. When there is nothing to do it
// returns exit true: the writer goroutine ends, and the next sender to
// need one starts another (so an idle stream has no writer goroutine,
// and holds no stack for it).
func (q *sendQueue) take(stop <-chan struct{}) (batch []byte, final, exit bool) {
	q.mu.Lock()
	if q.carry != nil { // the rest of a batch the inline reader began
		out := q.carry
		q.carry = nil
		q.mu.Unlock()
		return out, false, false
	}
	if len(q.pending) > 0 && !q.writing && (!q.holding || len(q.pending) >= holdBytes || q.fullLocked()) {
		return q.takeLocked(), false, false
	}
	select {
	case <-stop:
		q.mu.Unlock()
		return q.last(), true, false
	default:
	}
	q.idle = true
	q.mu.Unlock()
	return nil, false, true
}

// claimLocked makes the caller the one to start a writer, if none runs:
// the writer is counted here, under the lock, before it is started.
func (q *sendQueue) claimLocked() bool {
	if !q.idle {
		return false
	}
	q.idle = false
	q.add()
	return true
}

// finish makes sure a writer runs to write the last batch and the tail
// once the stream is closing (Run calls it after closing).
func (q *sendQueue) finish() {
	q.mu.Lock()
	wake := q.claimLocked()
	q.mu.Unlock()
	if wake {
		q.start()
	}
}

// takeLocked swaps out the pending bytes as a batch being written.
func (q *sendQueue) takeLocked() []byte {
	q.dequeued(q.n)
	q.taken(q.n)
	out := q.pending
	q.pending, q.spare, q.n = q.spare[:0], nil, 0
	q.writing = true
	q.protoW, q.proto = q.proto, false
	wake := q.waiters > 0
	room := q.room
	q.mu.Unlock()
	if wake {
		signal(room)
	}
	return out
}

// written hands back a batch that take or flush returned, once it has
// been written (or has failed to be), and wakes the writer if more is
// pending.
func (q *sendQueue) written(batch []byte) {
	q.mu.Lock()
	q.writing = false
	if q.carrying {
		// The end of a batch the inline reader began: keep the whole
		// buffer, not its end, or every batch after a short write would
		// grow a new one.
		batch, q.spare, q.carrying = q.spare, nil, false
	}
	// A batch of protocol bytes only (our header, the handshake) is
	// not kept: it is small, and a stream that then stays idle would
	// hold it for nothing (a busy one grows its first batch buffer
	// anyway).
	keep := !q.protoW && (cap(batch) <= shrinkAbove || len(q.pending) > shrinkAbove/2)
	q.protoW = false
	if keep && q.spare == nil && q.carry == nil {
		q.spare = batch[:0]
	}
	wake := len(q.pending) > 0 && !q.holding && q.claimLocked()
	wrote := q.wrote
	q.mu.Unlock()
	if wrote != nil {
		signal(wrote)
	}
	if wake {
		q.start()
	}
}

// carryOver hands the unwritten end of a batch that flush returned,
// from n on, to the writer goroutine, which writes it before anything
// else; the batch counts as being written until then. The whole batch
// waits in spare (which nothing takes while a batch is being written)
// for written to keep.
func (q *sendQueue) carryOver(batch []byte, n int) {
	q.mu.Lock()
	q.carry, q.spare, q.carrying = batch[n:], batch, true
	wake := q.claimLocked() // a running writer takes carry before anything else
	q.mu.Unlock()
	if wake {
		q.start()
	}
}

// last waits for a batch being written, then takes what is pending
// for the final write and closes the queue: from now on senders get
// ErrClosed, so nothing is accepted that will not be written.
func (q *sendQueue) last() []byte {
	q.mu.Lock()
	for q.writing && q.carry == nil {
		if q.wrote == nil {
			q.wrote = make(chan struct{}, 1)
		}
		wrote := q.wrote
		q.mu.Unlock()
		<-wrote
		q.mu.Lock()
	}
	q.closed, q.idle = true, false
	out := q.pending
	if q.carry != nil {
		// carry ends its batch's array, so appending uses spare room.
		out = append(q.carry, q.pending...)
		q.carry, q.writing = nil, false
		q.spare, q.carrying = nil, false
	}
	q.dequeued(q.n + len(q.gateEnd))
	q.taken(q.n)
	q.pending, q.n = nil, 0
	if q.sm == nil { // (the SM hands its copies back itself)
		// The session never started: these were never written.
		start := 0
		for _, end := range q.gateEnd {
			q.unsent = append(q.unsent, q.gate[start:end:end])
			start = end
		}
	}
	q.gate, q.gateEnd = nil, nil
	q.mu.Unlock()
	return out
}

// takeUnsent returns, once, the stanzas last found held back.
func (q *sendQueue) takeUnsent() [][]byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.unsent
	q.unsent = nil
	return u
}

// hold makes senders leave the writer asleep until flush or until
// holdBytes are pending: with Config.Inline the reader holds while it
// dispatches the stanzas of one read, so that the replies to a chunk
// of stanzas leave in one write instead of one write each.
func (q *sendQueue) hold() {
	q.mu.Lock()
	q.holding = true
	q.mu.Unlock()
}

// flush ends hold. If nothing is being written, it returns what is
// pending for the caller to write itself (and hand back with written):
// the inline reader writes its replies on its way to the next read,
// without waking the writer goroutine. Otherwise it returns nil, and
// what is pending goes with the writer's next batch.
func (q *sendQueue) flush() []byte {
	q.mu.Lock()
	q.holding = false
	if len(q.pending) == 0 || q.writing || q.closed {
		q.mu.Unlock()
		return nil
	}
	return q.takeLocked()
}

// dequeued takes n stanzas off the metrics' queue depth.
func (q *sendQueue) dequeued(n int) {
	if q.depth != nil && n > 0 {
		q.depth.Add(-int64(n))
	}
}

// taken counts n stanzas taken to be written: one atomic add per
// batch, not per stanza.
func (q *sendQueue) taken(n int) {
	if n <= 0 {
		return
	}
	if q.sent != nil {
		q.sent.Add(uint64(n))
	}
	if q.sentMetric != nil {
		q.sentMetric.Add(int64(n))
	}
}

// fullLocked reports whether the queue is full: QueueLen stanzas, or
// QueueBytes bytes (a stanza larger than that still goes into an empty
// queue), or the SM's MaxUnacked stanzas out (as its last refusal
// found: the SM's lock is taken once per stanza, by trackLocked).
func (q *sendQueue) fullLocked() bool {
	n := q.n + len(q.gateEnd)
	return n >= q.limit || n > 0 && len(q.pending)+len(q.gate) >= q.bytes || q.smFull
}

// roomMade wakes a sender waiting for room, if there is room now: the
// peer acknowledged stanzas (Config.SM).
func (q *sendQueue) roomMade() {
	q.mu.Lock()
	q.smFull = q.sm.full()
	wake := q.waiters > 0 && !q.fullLocked()
	room := q.room
	q.mu.Unlock()
	if wake {
		signal(room)
	}
}

// putProto queues the stream's own protocol bytes (our header, the
// component handshake) ahead of everything sent before the session
// started, without a limit: there are a few of them, once.
func (q *sendQueue) putProto(data []byte) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	q.proto = q.proto || len(q.pending) == 0
	q.pending = append(q.pending, data...)
	wake := !q.holding && q.claimLocked()
	q.mu.Unlock()
	if wake {
		q.start()
	}
	return nil
}

// open starts the session for senders: what they sent before it (held
// back so that it cannot go out before the stream header or the
// handshake) is queued, and from now on stanzas go straight to the
// queue.
func (q *sendQueue) open() {
	q.mu.Lock()
	q.ungateLocked()
	wake := len(q.pending) > 0 && !q.holding && q.claimLocked()
	q.mu.Unlock()
	if wake {
		q.start()
	}
}

// ungateLocked moves what was held back into the queue, and lets
// senders queue directly from now on (without waking a writer: open
// does, and so does the next sender).
func (q *sendQueue) ungateLocked() {
	if !q.gated {
		return
	}
	q.gated = false
	q.pending = append(q.pending, q.gate...)
	q.proto = q.proto && len(q.gateEnd) == 0
	q.n += len(q.gateEnd)
	q.gate, q.gateEnd = nil, nil
}

// drop discards what is pending and not yet being written, and returns
// how many stanzas that was.
func (q *sendQueue) drop() int {
	q.mu.Lock()
	n := q.n + len(q.gateEnd)
	q.dequeued(n)
	q.pending, q.n = q.pending[:0], 0
	q.gate, q.gateEnd = nil, nil
	wake := q.waiters > 0
	room := q.room
	q.mu.Unlock()
	if wake {
		signal(room)
	}
	return n
}

// signal makes a non-blocking send on a wake-up channel of capacity 1.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// flushKick ends hold and wakes the writer if anything is pending.
func (q *sendQueue) flushKick() {
	q.mu.Lock()
	q.holding = false
	wake := len(q.pending) > 0 && q.claimLocked()
	q.mu.Unlock()
	if wake {
		q.start()
	}
}
