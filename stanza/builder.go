package stanza

import (
	"errors"

	"github.com/xmppcore/xmppcore/fastxml"
)

// maxDepth bounds the elements a Builder can have open at once; XMPP
// stanzas built by hand never come near it.
const maxDepth = 32

// Builder appends XML to a byte slice. The zero value appends to a nil
// slice; Reset reuses the caller's. Calls chain:
//
//	b.Start("iq").Attr("type", "get").Attr("id", id).
//		Start("ping").Attr("xmlns", "urn:xmpp:ping").End().
//		End()
//
// A start tag stays open for attributes until content or End follows;
// End writes "/>" for an element without content.
type Builder struct {
	b     []byte
	names [maxDepth]string
	depth int
	inTag bool // "<name attr='...'" written, '>' not yet
	err   error
}

// ErrTooDeep is reported by Err when elements were nested deeper than
// the Builder supports, and ErrUnbalanced when End had nothing to close.
var (
	ErrTooDeep    = errors.New("stanza: elements nested too deep for a Builder")
	ErrUnbalanced = errors.New("stanza: End without an open element")
)

// Reset makes the Builder append to dst[:0], forgetting any state.
func (b *Builder) Reset(dst []byte) {
	b.b = dst[:0]
	b.depth = 0
	b.inTag = false
	b.err = nil
}

// ResetAppend is Reset that keeps what dst holds: the Builder appends
// after it, as the Append functions of strconv do (for
// stream.Stream.SendAppend, which hands over the send queue).
func (b *Builder) ResetAppend(dst []byte) {
	b.Reset(dst)
	b.b = dst
}

// Bytes returns what has been built.
func (b *Builder) Bytes() []byte { return b.b }

// Depth returns how many elements are open.
func (b *Builder) Depth() int { return b.depth }

// Err reports a misuse (ErrTooDeep, ErrUnbalanced) since Reset; the
// output is then incomplete.
func (b *Builder) Err() error { return b.err }

func (b *Builder) closeTag() {
	if b.inTag {
		b.b = append(b.b, '>')
		b.inTag = false
	}
}

// Start opens an element. name is written as given (a name, possibly
// with a prefix, is the caller's to choose well).
func (b *Builder) Start(name string) *Builder {
	b.closeTag()
	if b.depth == maxDepth {
		b.err = ErrTooDeep
		return b
	}
	b.names[b.depth] = name
	b.depth++
	b.b = append(b.b, '<')
	b.b = append(b.b, name...)
	b.inTag = true
	return b
}

// Attr adds an attribute to the element just started. It is ignored
// after content has been written to the element.
func (b *Builder) Attr(name, value string) *Builder { return attr(b, name, value) }

// AttrBytes is Attr with the value as bytes.
func (b *Builder) AttrBytes(name string, value []byte) *Builder { return attr(b, name, value) }

func attr[T string | []byte](b *Builder, name string, value T) *Builder {
	if !b.inTag {
		return b
	}
	b.b = append(b.b, ' ')
	b.b = append(b.b, name...)
	b.b = append(b.b, '=', '\'')
	b.b = appendEscaped(b.b, value, true)
	b.b = append(b.b, '\'')
	return b
}

// AttrFrom adds an attribute with the value of a received attribute,
// copied as it was written: references are not decoded and re-encoded,
// so forwarding a value costs one copy and cannot change it. (The
// scanner has checked the value; it is quoted with the quote it was
// written in.) A zero Attr (a lookup that found nothing) adds
// nothing.
func (b *Builder) AttrFrom(name string, a fastxml.Attr) *Builder {
	return b.AttrQuoted(name, a.Quoted())
}

// AttrQuoted adds an attribute whose value is written exactly as given,
// quotes included: the Quoted bytes of a received fastxml.Attr, which
// the scanner has checked. It is AttrFrom for a caller that holds the
// value rather than the Attr (an Attr is seven words: passed to a call,
// it goes on the stack, and reading it back there stalls). Nothing is
// added for nil, the Quoted of the zero Attr.
func (b *Builder) AttrQuoted(name string, quoted []byte) *Builder {
	if len(quoted) < 2 {
		return b
	}
	if !b.inTag {
		return b
	}
	b.b = append(b.b, ' ')
	b.b = append(b.b, name...)
	b.b = append(b.b, '=')
	b.b = append(b.b, quoted...)
	return b
}

// ContentFrom writes the content of a received element into the open
// element: text as it was written (references kept, CDATA sections
// escaped), child elements re-serialized to stand alone, with the
// namespace declarations they rely on.
func (b *Builder) ContentFrom(n fastxml.Node) *Builder {
	b.closeTag()
	for c := n.FirstChild(); c.Valid(); c = c.NextSibling() {
		switch {
		case c.IsElement():
			b.b = c.AppendStandalone(b.b)
		case c.IsCDATA():
			b.b = appendEscaped(b.b, c.Raw(), false)
		default:
			b.b = append(b.b, c.Raw()...)
		}
	}
	return b
}

// OptAttr adds the attribute only if value is not empty.
func (b *Builder) OptAttr(name, value string) *Builder {
	if value == "" {
		return b
	}
	return b.Attr(name, value)
}

// Text writes character data into the open element.
func (b *Builder) Text(s string) *Builder {
	b.closeTag()
	b.b = appendEscaped(b.b, s, false)
	return b
}

// TextBytes is Text with bytes.
func (b *Builder) TextBytes(s []byte) *Builder {
	b.closeTag()
	b.b = appendEscaped(b.b, s, false)
	return b
}

// Raw writes bytes as they are: a serialized element received earlier,
// say. The caller vouches that they are well-formed XML content.
func (b *Builder) Raw(x []byte) *Builder {
	b.closeTag()
	b.b = append(b.b, x...)
	return b
}

// End closes the innermost open element.
func (b *Builder) End() *Builder {
	if b.depth == 0 {
		b.err = ErrUnbalanced
		return b
	}
	b.depth--
	if b.inTag {
		b.b = append(b.b, '/', '>')
		b.inTag = false
		return b
	}
	b.b = append(b.b, '<', '/')
	b.b = append(b.b, b.names[b.depth]...)
	b.b = append(b.b, '>')
	return b
}

// EndAll closes every open element.
func (b *Builder) EndAll() *Builder {
	for b.depth > 0 {
		b.End()
	}
	return b
}

// Element writes <name>text</name>, the common leaf.
func (b *Builder) Element(name, text string) *Builder {
	return b.Start(name).Text(text).End()
}

// Message opens <message> with the given addressing; empty values are
// left out. Close it with End.
func (b *Builder) Message(to, from, typ, id string) *Builder {
	return b.Start("message").OptAttr("to", to).OptAttr("from", from).OptAttr("type", typ).OptAttr("id", id)
}

// Presence opens <presence>; empty values are left out.
func (b *Builder) Presence(to, from, typ, id string) *Builder {
	return b.Start("presence").OptAttr("to", to).OptAttr("from", from).OptAttr("type", typ).OptAttr("id", id)
}

// IQ opens <iq type=...>; empty to and from are left out. An IQ needs a
// type and an id (RFC 6120 §8.2.3).
func (b *Builder) IQ(to, from, typ, id string) *Builder {
	return b.Start("iq").OptAttr("to", to).OptAttr("from", from).Attr("type", typ).Attr("id", id)
}
