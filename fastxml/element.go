package fastxml

import (
	"errors"
)

// Element is a complete element — in XMPP, a stanza — as a compact,
// namespace-resolved index over its raw bytes. Tokens become an Element
// here: ReadElement records, while it scans, where each child element,
// attribute and text run lies in Raw, so nothing is copied or decoded
// until asked for.
//
// An Element filled by ReadElement borrows the scanner's buffer: it is
// valid until the next call to Next, NextElement, ReadElement or Reset
// on that scanner. Clone returns an independent copy to keep. Reusing one
// Element for every ReadElement call makes the steady state free of
// allocations.
type Element struct {
	raw      []byte
	off      int64
	nodes    []node
	attrs    []attrRec
	names    []byte // namespace names, indexed by the spans in nodes and attrs
	cur      int32  // while building: the innermost open element
	fastOpen int32  // while building: open elements not on the scanner's stack
	arena0   int32  // while building with NextElement: len(nsArena) before the unit, else -1
	owner    *Scanner
	gen      uint64
}

// node is an element or a text run; offsets are relative to raw.
type node struct {
	start, end   int32 // element: '<' to just past its last '>'; text: the content
	tagEnd       int32 // element: just past the start tag
	closeStart   int32 // element: start of the end tag (tagEnd if empty)
	qStart, qEnd int32 // element: qualified name
	colon        int32 // element: index of ':' in the name, or -1
	space        span  // element: namespace name, in names
	attr0, nattr int32 // element: attributes, in attrs
	parent       int32
	first, last  int32 // children
	next         int32 // next sibling
	nsMark       int32 // element: len(Scanner.bindings) before its declarations
	kind         Kind  // StartElement for elements, Text for text runs
	flags        uint8 // text: textRef, textCR, textCDATA; element: elemUnprefixed
}

var errNotAtStart = errors.New("fastxml: ReadElement called when the last token was not a StartElement")

// ReadElement reads the rest of the element whose StartElement Next
// just returned, up to and including its end tag, and fills e with it.
// The whole element stays in the scanner's buffer (which grows, up to
// the limits, if needed), so e.Raw() is contiguous.
func (s *Scanner) ReadElement(e *Element) error {
	if s.err != nil {
		return s.err
	}
	if s.kind != StartElement || s.popOnNext {
		return errNotAtStart
	}
	s.retain = true
	s.mark = s.tokStart
	e.reset()
	root := s.depth
	e.open(s)
	return s.readRest(e, root)
}

// readRest reads the element being built up to the end tag that brings
// the depth below root, then finishes e.
func (s *Scanner) readRest(e *Element, root int) error {
	for {
		s.release()
		if !s.pendingEnd && s.phase == phBoundary && s.buildFast(e, root) {
			break
		}
		k, err := s.next()
		if err != nil {
			s.retain = false
			return err
		}
		switch k {
		case StartElement:
			e.open(s)
		case Text:
			e.text(s)
		case EndElement:
			e.close(s)
		}
		if s.depth < root {
			break
		}
	}
	s.finishElement(e)
	return nil
}

func (s *Scanner) finishElement(e *Element) {
	s.retain = false
	e.raw = s.buf[s.mark : s.mark+int(e.nodes[0].end)]
	e.off = s.base + int64(s.mark)
	e.names = s.nsArena
	e.owner = s
	e.gen = s.debug.generation()
}

// NextElement is Next for readers of whole units (stanzas): when the
// next token is the start tag of a unit, it reads the entire unit into e
// and returns WholeElement; any other token is returned as Next would
// return it, and e is untouched. After a unit, the token accessors have
// nothing to report: everything is in e.
//
// A unit already in the buffer is indexed in one pass, without tokens
// in between: this is the fastest way through a stream.
func (s *Scanner) NextElement(e *Element) (Kind, error) {
	if s.err != nil {
		return None, s.err
	}
	s.release()
	if !s.pendingEnd && s.phase == phBoundary {
		if started, done := s.elementFast(e); started {
			s.kind = None
			if done {
				s.unitOff = -1
				s.arenaCut = e.arena0
				s.finishElement(e)
				return WholeElement, nil
			}
			// The unit is open at depth 2 (elementFast reads units of
			// streams only); its inner elements may be open below it.
			s.materialize(e)
			if err := s.readRest(e, 2); err != nil {
				return None, err
			}
			s.kind = None
			return WholeElement, nil
		}
	}
	k, err := s.next()
	if err != nil || k != StartElement {
		return k, err
	}
	unit := 1
	if s.stream {
		unit = 2
	}
	if s.depth != unit {
		return k, nil
	}
	if err := s.ReadElement(e); err != nil {
		return None, err
	}
	s.kind = None
	return WholeElement, nil
}

func (e *Element) reset() {
	e.raw = nil
	e.nodes = e.nodes[:0]
	e.attrs = e.attrs[:0]
	e.names = nil
	e.owner = nil
	e.cur = -1
	e.fastOpen = 0
	e.arena0 = -1
}

// add appends a node as the last child of parent and returns it for
// the caller to fill in place (a node built elsewhere and copied in
// costs a store-forwarding stall per node).
func (e *Element) add(kind Kind, parent int32) (int32, *node) {
	i := int32(len(e.nodes))
	if parent >= 0 {
		p := &e.nodes[parent]
		if p.last >= 0 {
			e.nodes[p.last].next = i
		} else {
			p.first = i
		}
		p.last = i
	}
	if len(e.nodes) == cap(e.nodes) {
		e.nodes = append(e.nodes, node{})
	} else {
		e.nodes = e.nodes[:i+1]
	}
	n := &e.nodes[i]
	// Zero, then set fields one by one: a composite literal here is
	// built on the stack and copied, stalling on store forwarding.
	*n = node{}
	n.kind = kind
	n.parent = parent
	n.first, n.last, n.next = -1, -1, -1
	return i, n
}

// open adds the element of the current StartElement token.
func (e *Element) open(s *Scanner) {
	m := s.mark
	i, n := e.add(StartElement, e.cur)
	n.start = int32(s.tokStart - m)
	n.tagEnd = int32(s.tokEnd - m)
	n.qStart = int32(s.tokStart + 1 - m)
	n.qEnd = int32(s.qEnd - m)
	n.colon = -1
	if s.qColon >= 0 {
		n.colon = int32(s.qColon - m)
	}
	n.space = s.stack[len(s.stack)-1].space
	n.attr0 = int32(len(e.attrs))
	n.nattr = int32(len(s.attrs))
	if len(e.attrs) == 0 {
		// The root: take the scanner's records instead of copying them,
		// and give it this Element's old array to fill next.
		e.attrs, s.attrs = s.attrs, e.attrs[:0]
	} else {
		e.attrs = append(e.attrs, s.attrs...)
	}
	e.cur = i
}

// text adds the current Text token.
func (e *Element) text(s *Scanner) {
	start, end := s.tokStart, s.tokEnd
	if s.textFlags&textCDATA != 0 {
		start, end = s.aux, s.tokEnd-len("]]>")
	}
	_, n := e.add(Text, e.cur)
	n.start = int32(start - s.mark)
	n.end = int32(end - s.mark)
	n.flags = s.textFlags
}

func (e *Element) close(s *Scanner) {
	n := &e.nodes[e.cur]
	n.closeStart = int32(s.tokStart - s.mark)
	n.end = int32(s.tokEnd - s.mark)
	e.cur = n.parent
}

// check panics, in xmppcoredebug builds, when e is used after its
// scanner moved on.
func (e *Element) check() {
	if Debug && e.owner != nil && e.owner.debug.generation() != e.gen {
		panic("fastxml: Element used after its Scanner moved on; Clone it to keep it")
	}
}

// Raw returns the element's bytes exactly as they arrived, from its
// '<' to its last '>'. Gateways can forward them without serializing.
func (e *Element) Raw() []byte { e.check(); return e.raw }

// Offset returns the stream offset of the element's first byte.
func (e *Element) Offset() int64 { return e.off }

// Root returns the element itself as a Node.
func (e *Element) Root() Node {
	e.check()
	if len(e.nodes) == 0 {
		return Node{}
	}
	return Node{e, 0}
}

// CopyTo makes dst an independent copy of e, reusing dst's memory: once
// dst has grown to the size of the stanzas it carries, copying
// allocates nothing. This is how a stanza leaves the reader goroutine.
func (e *Element) CopyTo(dst *Element) {
	e.check()
	dst.raw = append(dst.raw[:0], e.raw...)
	dst.off = e.off
	dst.nodes = append(dst.nodes[:0], e.nodes...)
	dst.attrs = append(dst.attrs[:0], e.attrs...)
	dst.names = append(dst.names[:0], e.names...)
	dst.owner = nil
	dst.cur, dst.fastOpen, dst.arena0 = -1, 0, -1
}

// Clone returns a deep copy of e that does not depend on the scanner.
func (e *Element) Clone() *Element {
	e.check()
	return &Element{
		raw:   append([]byte(nil), e.raw...),
		off:   e.off,
		nodes: append([]node(nil), e.nodes...),
		attrs: append([]attrRec(nil), e.attrs...),
		names: append([]byte(nil), e.names...),
	}
}

// Node is an element or a text run inside an Element. The zero Node is
// not valid; methods on it return zero values.
type Node struct {
	e *Element
	i int32
}

func (n Node) node() *node { n.e.check(); return &n.e.nodes[n.i] }

// Valid reports whether n refers to a node.
func (n Node) Valid() bool { return n.e != nil && n.i >= 0 }

func (n Node) at(i int32) Node {
	if i < 0 {
		return Node{}
	}
	return Node{n.e, i}
}

// IsText reports whether n is a text run (character data or CDATA).
func (n Node) IsText() bool { return n.Valid() && n.node().kind == Text }

// IsElement reports whether n is an element.
func (n Node) IsElement() bool { return n.Valid() && n.node().kind == StartElement }

// Name returns an element's name (the zero Name for text).
func (n Node) Name() Name {
	if !n.IsElement() {
		return Name{}
	}
	d := n.node()
	q := n.e.raw[d.qStart:d.qEnd]
	name := Name{Space: n.e.names[d.space.off : d.space.off+d.space.n], Local: q}
	if d.colon >= 0 {
		c := d.colon - d.qStart
		name.Prefix = q[:c]
		name.Local = q[c+1:]
	}
	return name
}

// Local returns an element's local name (nil for text): Name().Local
// without building the whole Name.
func (n Node) Local() []byte {
	if !n.IsElement() {
		return nil
	}
	return n.e.local(n.node())
}

// Space returns an element's namespace name (nil for text).
func (n Node) Space() []byte {
	if !n.IsElement() {
		return nil
	}
	return n.e.space(n.node())
}

func (e *Element) local(d *node) []byte {
	l := d.qStart
	if d.colon >= 0 {
		l = d.colon + 1
	}
	return e.raw[l:d.qEnd]
}

func (e *Element) space(d *node) []byte { return e.names[d.space.off : d.space.off+d.space.n] }

// is reports whether the element d is named (space, local).
func (e *Element) is(d *node, space, local string) bool {
	l := d.qStart
	if d.colon >= 0 {
		l = d.colon + 1
	}
	return int(d.qEnd-l) == len(local) && int(d.space.n) == len(space) &&
		string(e.raw[l:d.qEnd]) == local && string(e.space(d)) == space
}

// Is reports whether n is an element named (space, local).
func (n Node) Is(space, local string) bool {
	if !n.Valid() {
		return false
	}
	d := n.node()
	return d.kind == StartElement && n.e.is(d, space, local)
}

// NumAttrs returns the number of an element's attributes, namespace
// declarations included.
func (n Node) NumAttrs() int {
	if !n.IsElement() {
		return 0
	}
	return int(n.node().nattr)
}

// AttrAt returns an element's i'th attribute in document order.
func (n Node) AttrAt(i int) Attr {
	d := n.node()
	return Attr{&n.e.attrs[int(d.attr0)+i], n.e.raw, n.e.names}
}

// RawAttrAt returns an element's i'th attribute (0 <= i < NumAttrs),
// namespace declarations included, as it was written: its qualified
// name, and its value between its quotes with references not replaced
// (what AttrAt(i).Quoted() returns). It builds no Attr, so a handler
// that wants several attributes can take them in one pass, comparing
// names itself, for less than a QuotedAttr lookup each.
func (n Node) RawAttrAt(i int) (name, quoted []byte) {
	e := n.e
	e.check()
	d := &e.nodes[n.i]
	if uint(i) >= uint(d.nattr) {
		panic("fastxml: RawAttrAt index out of range")
	}
	r := &e.attrs[int(d.attr0)+i]
	return e.raw[r.qStart:r.qEnd], e.raw[r.vStart-1 : r.vEnd+1]
}

// Attr returns the attribute named (space, local); unprefixed
// attributes are in no namespace (space ""), xml:lang is in
// XMLNamespace.
func (n Node) Attr(space, local string) (Attr, bool) {
	e := n.e
	if e == nil || n.i < 0 || len(local) == 0 {
		return Attr{}, false
	}
	e.check()
	d := &e.nodes[n.i]
	if d.kind != StartElement {
		return Attr{}, false
	}
	// The scanner keyed each attribute by its local name's length,
	// first and last byte: most attributes are ruled out by one
	// compare, and once its length is checked, a name of one or two
	// bytes needs no other.
	key := uint32(len(local))<<16 | uint32(local[0])<<8 | uint32(local[len(local)-1])
	attrs := e.attrs[d.attr0 : d.attr0+d.nattr]
	if len(space) == 0 {
		// No namespace: only an unprefixed attribute, whose local name
		// is its whole name (a prefixed one always has a namespace).
		for i := range attrs {
			r := &attrs[i]
			if r.key == key && r.colon < 0 && r.flags&attrNSDecl == 0 && midEqual(e.raw[r.qStart:r.qEnd], local) {
				return Attr{r, e.raw, e.names}, true
			}
		}
		return Attr{}, false
	}
	for i := range attrs {
		r := &attrs[i]
		if r.key != key || r.colon < 0 || r.flags&attrNSDecl != 0 || int(r.space.n) != len(space) {
			continue
		}
		if !midEqual(e.raw[r.colon+1:r.qEnd], local) {
			continue
		}
		if string(e.names[r.space.off:r.space.off+r.space.n]) == space {
			return Attr{r, e.raw, e.names}, true
		}
	}
	return Attr{}, false
}

// QuotedAttr returns the unprefixed attribute local as it was written,
// between its quotes (what Attr("", local).Quoted() returns), or nil
// when the element has none: a value to copy into another stanza as it
// came (stanza.Builder.AttrQuoted), found without building an Attr.
func (n Node) QuotedAttr(local string) []byte {
	e := n.e
	if e == nil || n.i < 0 || len(local) == 0 {
		return nil
	}
	e.check()
	d := &e.nodes[n.i]
	if d.kind != StartElement {
		return nil
	}
	key := uint32(len(local))<<16 | uint32(local[0])<<8 | uint32(local[len(local)-1])
	attrs := e.attrs[d.attr0 : d.attr0+d.nattr]
	for i := range attrs {
		r := &attrs[i]
		if r.key == key && r.colon < 0 && r.flags&attrNSDecl == 0 && midEqual(e.raw[r.qStart:r.qEnd], local) {
			return e.raw[r.vStart-1 : r.vEnd+1]
		}
	}
	return nil
}

// Lang returns the element's xml:lang attribute, if it has one: what
// Attr(XMLNamespace, "lang") returns, with a quicker answer for the
// usual element without prefixed attributes (XMPP's stream layer asks
// it of every stanza, RFC 6120 §8.1.5).
func (n Node) Lang() (Attr, bool) {
	if !n.IsElement() {
		return Attr{}, false
	}
	d := n.node()
	if d.flags&elemUnprefixed != 0 {
		return Attr{}, false
	}
	attrs := n.e.attrs[d.attr0 : d.attr0+d.nattr]
	for i := range attrs {
		if r := &attrs[i]; r.colon >= 0 && r.key == langKey {
			return n.Attr(XMLNamespace, "lang")
		}
	}
	return Attr{}, false
}

// langKey is attrKey("lang").
const langKey = 4<<16 | 'l'<<8 | 'g'

// midEqual reports whether name equals local, given that their keys
// (attrKey) are equal: same length, first and last byte. Attribute
// names are short; the bytes between are compared in the loop rather
// than with a call.
func midEqual(name []byte, local string) bool {
	if len(name) != len(local) {
		return false
	}
	if len(local) > 16 {
		return string(name) == local
	}
	for i := 1; i < len(local)-1; i++ {
		if name[i] != local[i] {
			return false
		}
	}
	return true
}

// AppendAttr appends the decoded value of the attribute (space, local)
// to dst and reports whether it exists.
func (n Node) AppendAttr(dst []byte, space, local string) ([]byte, bool) {
	a, ok := n.Attr(space, local)
	if !ok {
		return dst, false
	}
	return a.AppendValue(dst), true
}

// Parent returns the enclosing element (invalid for the root).
func (n Node) Parent() Node {
	if !n.Valid() {
		return Node{}
	}
	return n.at(n.node().parent)
}

// FirstChild returns the first child node, element or text.
func (n Node) FirstChild() Node {
	if !n.Valid() {
		return Node{}
	}
	return n.at(n.node().first)
}

// NextSibling returns the next node with the same parent.
func (n Node) NextSibling() Node {
	if !n.Valid() {
		return Node{}
	}
	return n.at(n.node().next)
}

// FirstElement returns the first child that is an element.
func (n Node) FirstElement() Node {
	c := n.FirstChild()
	for c.Valid() && !c.IsElement() {
		c = c.NextSibling()
	}
	return c
}

// NextElement returns the next sibling that is an element.
func (n Node) NextElement() Node {
	c := n.NextSibling()
	for c.Valid() && !c.IsElement() {
		c = c.NextSibling()
	}
	return c
}

// Child returns the first child element named (space, local).
func (n Node) Child(space, local string) Node {
	if !n.Valid() {
		return Node{}
	}
	e := n.e
	for c := n.node().first; c >= 0; c = e.nodes[c].next {
		d := &e.nodes[c]
		if d.kind == StartElement && e.is(d, space, local) {
			return Node{e, c}
		}
	}
	return Node{}
}

// ChildLocal returns the first child element with the given local name
// in the same namespace as n (the common case: <message><body>).
func (n Node) ChildLocal(local string) Node {
	if !n.IsElement() {
		return Node{}
	}
	e := n.e
	p := n.node()
	for c := p.first; c >= 0; c = e.nodes[c].next {
		d := &e.nodes[c]
		if d.kind != StartElement {
			continue
		}
		l := d.qStart
		if d.colon >= 0 {
			l = d.colon + 1
		}
		// A child in its parent's namespace usually shares its span
		// (the same binding, or both unbound); otherwise the names are
		// compared.
		if int(d.qEnd-l) == len(local) && string(e.raw[l:d.qEnd]) == local &&
			(d.space == p.space || string(e.space(d)) == string(e.space(p))) {
			return Node{e, c}
		}
	}
	return Node{}
}

// Raw returns the node's bytes as written: for an element, from its
// '<' to its last '>'; for text, the character data (or the content of
// the CDATA section) with references not replaced.
func (n Node) Raw() []byte {
	if !n.Valid() {
		return nil
	}
	d := n.node()
	return n.e.raw[d.start:d.end]
}

// RawContent returns the bytes between an element's start and end tags.
func (n Node) RawContent() []byte {
	if !n.IsElement() {
		return nil
	}
	d := n.node()
	return n.e.raw[d.tagEnd:d.closeStart]
}

// IsCDATA reports whether n is a text run written as a CDATA section.
func (n Node) IsCDATA() bool { return n.IsText() && n.node().flags&textCDATA != 0 }

// AppendText appends character data to dst, references replaced and
// line ends normalised: a text node's own, or the concatenation of an
// element's text children (not of deeper descendants).
func (n Node) AppendText(dst []byte) []byte {
	if !n.Valid() {
		return dst
	}
	d := n.node()
	if d.kind == Text {
		return appendText(dst, n.e.raw[d.start:d.end], d.flags)
	}
	for c := d.first; c >= 0; c = n.e.nodes[c].next {
		t := &n.e.nodes[c]
		if t.kind == Text {
			dst = appendText(dst, n.e.raw[t.start:t.end], t.flags)
		}
	}
	return dst
}
