package stanzapool

import (
	"sync"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"
)

// DefaultMaxBytes is the cap used when Pool.MaxBytes is zero: the
// default stanza limit of fastxml (256 KiB).
const DefaultMaxBytes = 256 << 10

// Pool hands out Buffers. The zero value is ready to use.
type Pool struct {
	// MaxBytes is the largest capacity a released buffer may have and
	// still be kept for reuse; larger ones are dropped for the garbage
	// collector. Zero means DefaultMaxBytes.
	MaxBytes int

	bytes   bytebufferpool.Pool
	shells  sync.Pool // *Buffer headers, so that Get allocates nothing
	gets    atomic.Uint64
	dropped atomic.Uint64
}

// Buffer is a pooled byte buffer with a reference count. B is the
// content; append to it freely while holding a reference.
type Buffer struct {
	B    []byte
	bb   *bytebufferpool.ByteBuffer
	pool *Pool
	refs atomic.Int32
}

// Get returns an empty Buffer holding one reference.
func (p *Pool) Get() *Buffer {
	p.gets.Add(1)
	b, _ := p.shells.Get().(*Buffer)
	if b == nil {
		b = &Buffer{pool: p}
	}
	b.bb = p.bytes.Get()
	b.B = b.bb.B[:0]
	b.refs.Store(1)
	return b
}

// Clone returns a new Buffer holding a copy of data.
func (p *Pool) Clone(data []byte) *Buffer {
	b := p.Get()
	b.B = append(b.B, data...)
	return b
}

// Stats reports how many buffers were handed out and how many released
// ones were dropped for being over the cap.
func (p *Pool) Stats() (gets, dropped uint64) { return p.gets.Load(), p.dropped.Load() }

func (p *Pool) maxBytes() int {
	if p.MaxBytes > 0 {
		return p.MaxBytes
	}
	return DefaultMaxBytes
}

// Bytes returns the content. It panics, in xmppcoredebug builds, on a
// released buffer.
func (b *Buffer) Bytes() []byte {
	if debug && b.refs.Load() <= 0 {
		panic("stanzapool: Bytes of a released Buffer")
	}
	return b.B
}

// Len returns len(b.B).
func (b *Buffer) Len() int { return len(b.B) }

// Retain adds a reference for a new holder and returns b.
func (b *Buffer) Retain() *Buffer {
	for {
		n := b.refs.Load()
		if n <= 0 {
			panic("stanzapool: Retain of a released Buffer")
		}
		if b.refs.CompareAndSwap(n, n+1) {
			return b
		}
	}
}

// Reuse empties b for its holder to fill again, if the holder's is the
// only reference, and reports true; otherwise it releases the
// holder's reference like Release and reports false. A queue that owns
// its buffers recycles them this way without a trip through the pool.
func (b *Buffer) Reuse() bool {
	if !debug && b.refs.Load() == 1 && cap(b.B) <= b.pool.maxBytes() {
		b.B = b.B[:0]
		return true
	}
	b.Release()
	return false
}

// Release drops the caller's reference. The last one returns the
// buffer to its pool; b must not be used after that.
func (b *Buffer) Release() {
	n := b.refs.Add(-1)
	if n > 0 {
		return
	}
	if n < 0 {
		panic("stanzapool: Buffer released more often than it was retained")
	}
	p := b.pool
	if debug {
		// Keep the poisoned memory out of circulation, and the shell
		// too, so that its count stays at zero for the checks above.
		b.B = b.B[:cap(b.B)]
		for i := range b.B {
			b.B[i] = 0xFF
		}
		return
	}
	bb := b.bb
	b.bb = nil
	if cap(b.B) > p.maxBytes() {
		p.dropped.Add(1)
	} else {
		bb.B = b.B[:0] // keep the grown array
		p.bytes.Put(bb)
	}
	b.B = nil
	p.shells.Put(b)
}
