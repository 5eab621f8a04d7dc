package stream

import (
	"sync/atomic"

	"github.com/xmppcore/xmppcore/fastxml"
)

// Stanza is a first-level element received on a Stream, in memory of
// its own: the reader goroutine copies each one out of the scanner's
// buffer into a slot of the dispatch ring and hands it to the
// dispatcher. Slots are reused, so in steady state receiving allocates
// nothing. The embedded Element gives its name, attributes, children,
// text and raw bytes.
//
// A Stanza given to a handler is valid until the handler returns. To
// keep it longer, call Retain, and Release when done: the ring then
// gives its slot a fresh Stanza instead of overwriting the retained one.
type Stanza struct {
	fastxml.Element
	refs atomic.Int32
	// borrowed: Element is a view of the reader's buffer (Config.Inline),
	// valid only during the dispatch.
	borrowed bool
}

// fill makes st (or a fresh Stanza, if st is nil or still retained
// by someone) hold a copy of e with one reference, and returns it.
func fill(st *Stanza, e *fastxml.Element) *Stanza {
	if st == nil || st.refs.Load() != 0 {
		st = new(Stanza)
	}
	e.CopyTo(&st.Element)
	st.refs.Store(1)
	return st
}

// Retain keeps the stanza past the handler's return and returns the
// Stanza to keep: st itself with one more reference, or, on a stream
// with Config.Inline (where st is a view of the reader's buffer), a
// copy with a reference of its own. Each Retain needs a Release of what
// it returned.
func (st *Stanza) Retain() *Stanza {
	if st.borrowed {
		c := new(Stanza)
		st.Element.CopyTo(&c.Element)
		c.refs.Store(1)
		return c
	}
	if st.refs.Add(1) <= 1 {
		panic("stream: Retain of a released Stanza")
	}
	return st
}

// Release drops a reference. The last one makes the Stanza's memory
// reusable (or garbage, once its ring slot holds another).
func (st *Stanza) Release() {
	if st.refs.Add(-1) < 0 {
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
	q := st.Root().QuotedAttr(local)
	if q == nil {
		return nil
	}
	return q[1 : len(q)-1]
}
