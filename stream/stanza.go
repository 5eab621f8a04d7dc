package stream

import (
	"sync"
	"sync/atomic"

	"github.com/xmppcore/xmppcore/fastxml"
)

// Stanza is a first-level element received on a Stream, in memory of
// its own: the reader goroutine copies each one out of the scanner's
// buffer (allocation-free once the pool is warm) and hands it to the
// dispatcher. The embedded Element gives its name, attributes, children,
// text and raw bytes.
//
// A Stanza given to a handler is valid until the handler returns. To
// keep it longer, call Retain, and Release when done.
type Stanza struct {
	fastxml.Element
	refs atomic.Int32
}

var stanzaPool = sync.Pool{New: func() any { return new(Stanza) }}

// newStanza returns a pooled Stanza holding a copy of e and one
// reference.
func newStanza(e *fastxml.Element) *Stanza {
	st := stanzaPool.Get().(*Stanza)
	e.CopyTo(&st.Element)
	st.refs.Store(1)
	return st
}

// Retain adds a reference; each Retain needs its Release.
func (st *Stanza) Retain() *Stanza {
	if st.refs.Add(1) <= 1 {
		panic("stream: Retain of a released Stanza")
	}
	return st
}

// Release drops a reference; the last returns the Stanza to the pool.
func (st *Stanza) Release() {
	switch n := st.refs.Add(-1); {
	case n == 0:
		stanzaPool.Put(st)
	case n < 0:
		panic("stream: Stanza released more often than it was retained")
	}
}

// Is reports whether the stanza is the element (space, local).
func (st *Stanza) Is(space, local string) bool { return st.Root().Is(space, local) }

// Attr returns the raw value of the stanza's unprefixed attribute
// local, borrowed from the stanza ("" if absent; values that need
// decoding are rare in addressing attributes: use Root().Attr for
// those).
func (st *Stanza) Attr(local string) []byte {
	a, ok := st.Root().Attr("", local)
	if !ok {
		return nil
	}
	return a.Raw()
}
