// Package ring is a bounded, lock-free, single-producer single-consumer
// queue: the hand-off between a stream's reader goroutine and its
// dispatcher, and between senders and the writer goroutine. Order is
// preserved, nothing allocates after New, and a side that finds the
// ring empty (or full) parks on a channel instead of spinning, woken by
// the other side only when it is actually parked.
package ring

import (
	"context"
	"sync/atomic"
)

// cacheLine separates the producer's and the consumer's indexes so that
// they do not share a cache line.
const cacheLine = 64

// Ring is an SPSC queue of T with a power-of-two capacity. Exactly one
// goroutine may call the producer methods (TryPush, Push, Reserve,
// Commit, Wake) and one the consumer methods (TryPop, Pop, PopBatch,
// Peek, Advance) at a time.
type Ring[T any] struct {
	_        [cacheLine]byte
	head     atomic.Uint64 // next slot to read; written by the consumer
	tailSeen uint64        // the consumer's last look at tail (Peek)
	_        [cacheLine - 16]byte
	tail     atomic.Uint64 // next slot to write; written by the producer
	headSeen uint64        // the producer's last look at head (Reserve)
	_        [cacheLine - 16]byte

	slots []T
	mask  uint64

	consumerParked atomic.Bool
	producerParked atomic.Bool
	wakeConsumer   chan struct{}
	wakeProducer   chan struct{}
	closed         atomic.Bool
}

// New returns a Ring holding up to size items, rounded up to a power of
// two (at least 2).
func New[T any](size int) *Ring[T] {
	n := 2
	for n < size {
		n <<= 1
	}
	return &Ring[T]{
		slots:        make([]T, n),
		mask:         uint64(n - 1),
		wakeConsumer: make(chan struct{}, 1),
		wakeProducer: make(chan struct{}, 1),
	}
}

// Cap returns the ring's capacity.
func (r *Ring[T]) Cap() int { return len(r.slots) }

// Len returns how many items are queued (a snapshot).
func (r *Ring[T]) Len() int { return int(r.tail.Load() - r.head.Load()) }

// TryPush adds v unless the ring is full.
func (r *Ring[T]) TryPush(v T) bool {
	t := r.tail.Load()
	if t-r.head.Load() == uint64(len(r.slots)) {
		return false
	}
	r.slots[t&r.mask] = v
	r.tail.Store(t + 1)
	r.Wake()
	return true
}

// Push adds v, waiting while the ring is full. It fails only when ctx
// ends or the ring is closed.
func (r *Ring[T]) Push(ctx context.Context, v T) error {
	for {
		if r.closed.Load() {
			return ErrClosed
		}
		if r.TryPush(v) {
			return nil
		}
		if err := r.parkProducer(ctx); err != nil {
			return err
		}
	}
}

// parkProducer waits until the consumer makes room (or the ring is
// closed), unless it made room meanwhile; it fails only when ctx ends.
func (r *Ring[T]) parkProducer(ctx context.Context) error {
	r.producerParked.Store(true)
	if r.Len() < len(r.slots) || r.closed.Load() { // room was made meanwhile
		r.producerParked.Store(false)
		return nil
	}
	select {
	case <-r.wakeProducer:
		return nil
	case <-ctx.Done():
		r.producerParked.Store(false)
		return ctx.Err()
	}
}

// parkConsumer waits until the producer commits (or the ring is
// closed), unless it committed meanwhile; it fails only when ctx ends.
func (r *Ring[T]) parkConsumer(ctx context.Context) error {
	r.consumerParked.Store(true)
	if r.Len() > 0 || r.closed.Load() { // an item came meanwhile
		r.consumerParked.Store(false)
		return nil
	}
	select {
	case <-r.wakeConsumer:
		return nil
	case <-ctx.Done():
		r.consumerParked.Store(false)
		return ctx.Err()
	}
}

// wake sends a wake-up on c if its side is parked.
func wake(parked *atomic.Bool, c chan struct{}) {
	if parked.Load() && parked.CompareAndSwap(true, false) {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// TryPop removes the oldest item, if any.
func (r *Ring[T]) TryPop() (T, bool) {
	var zero T
	h := r.head.Load()
	if h == r.tail.Load() {
		return zero, false
	}
	i := h & r.mask
	v := r.slots[i]
	r.slots[i] = zero // let the garbage collector have what the item refers to
	r.head.Store(h + 1)
	wake(&r.producerParked, r.wakeProducer)
	return v, true
}

// Pop removes the oldest item, waiting while the ring is empty. It
// fails when ctx ends, or when the ring is closed and drained.
func (r *Ring[T]) Pop(ctx context.Context) (T, error) {
	for {
		if v, ok := r.TryPop(); ok {
			return v, nil
		}
		if r.closed.Load() {
			if v, ok := r.TryPop(); ok { // pushed just before Close
				return v, nil
			}
			var zero T
			return zero, ErrClosed
		}
		if err := r.parkConsumer(ctx); err != nil {
			var zero T
			return zero, err
		}
	}
}

// PopBatch waits like Pop for at least one item, then appends to
// dst[:0] every item queued, up to cap(dst) (at least one), and returns
// it: a writer drains what has accumulated in one go.
func (r *Ring[T]) PopBatch(ctx context.Context, dst []T) ([]T, error) {
	dst = dst[:0]
	v, err := r.Pop(ctx)
	if err != nil {
		return dst, err
	}
	dst = append(dst, v)
	for len(dst) < cap(dst) {
		v, ok := r.TryPop()
		if !ok {
			break
		}
		dst = append(dst, v)
	}
	return dst, nil
}

// The slot API hands out the ring's own slots instead of copying items
// in and out, and lets the producer choose when to wake the consumer:
// a reader that parses a chunk holding hundreds of stanzas commits them
// one by one and wakes the dispatcher once, not once per stanza. Slots
// are never cleared, so an item type that owns memory (a pointer to a
// reusable buffer) is reused in place round after round.

// Reserve returns the slot the next Commit publishes, waiting while the
// ring is full (after waking the consumer, which may be parked with
// committed items it has not been told about). Producer side.
func (r *Ring[T]) Reserve(ctx context.Context) (*T, error) {
	for {
		if r.closed.Load() {
			return nil, ErrClosed
		}
		// The other side's index is read again only when the last look
		// at it leaves no room: not one cache miss per item (head only
		// grows, so an old look is a safe bound).
		t := r.tail.Load()
		if t-r.headSeen < uint64(len(r.slots)) {
			return &r.slots[t&r.mask], nil
		}
		if r.headSeen = r.head.Load(); t-r.headSeen < uint64(len(r.slots)) {
			return &r.slots[t&r.mask], nil
		}
		r.Wake()
		if err := r.parkProducer(ctx); err != nil {
			return nil, err
		}
	}
}

// Commit publishes the slot Reserve returned, without waking the
// consumer: call Wake before the producer may block, or the consumer
// may wait for items that are already there. Producer side.
func (r *Ring[T]) Commit() { r.tail.Store(r.tail.Load() + 1) }

// Wake wakes the consumer if it is parked. Producer side.
func (r *Ring[T]) Wake() { wake(&r.consumerParked, r.wakeConsumer) }

// Peek returns the oldest committed slot, waiting while there is none;
// the slot stays the consumer's until Advance. It fails when ctx ends,
// or when the ring is closed and drained. Consumer side.
func (r *Ring[T]) Peek(ctx context.Context) (*T, error) {
	for {
		// As in Reserve: tail only grows, and an old look at it is a
		// safe bound on what was committed.
		h := r.head.Load()
		if h < r.tailSeen { // (TryPop may have taken head past it)
			return &r.slots[h&r.mask], nil
		}
		if r.tailSeen = r.tail.Load(); h != r.tailSeen {
			return &r.slots[h&r.mask], nil
		}
		if r.closed.Load() {
			if h != r.tail.Load() { // committed just before Close
				continue
			}
			return nil, ErrClosed
		}
		if err := r.parkConsumer(ctx); err != nil {
			return nil, err
		}
	}
}

// Advance hands the slot Peek returned back to the producer, leaving
// its contents in place for reuse. A producer parked on a full ring is
// woken once half the ring is free, not at every slot: waking it for
// each one would make the two sides take turns item by item. Consumer
// side.
func (r *Ring[T]) Advance() {
	h := r.head.Load() + 1
	r.head.Store(h)
	if r.producerParked.Load() && r.tail.Load()-h <= uint64(len(r.slots)/2) {
		wake(&r.producerParked, r.wakeProducer)
	}
}

// Close wakes both sides: Push fails from now on, Pop fails once the
// ring is drained. Either side may call it, once or more.
func (r *Ring[T]) Close() {
	r.closed.Store(true)
	select {
	case r.wakeConsumer <- struct{}{}:
	default:
	}
	select {
	case r.wakeProducer <- struct{}{}:
	default:
	}
}

// ErrClosed is returned by Push and Pop on a closed ring.
var ErrClosed = errClosed{}

type errClosed struct{}

func (errClosed) Error() string { return "ring: closed" }
