package fastxml

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Fast paths for the constructs that make up nearly all XMPP traffic.
// Each runs only over bytes already buffered and handles only the common
// forms; on anything else it stops at a token boundary having committed
// nothing, and the resumable path scans that token from its start,
// producing the same token or the exact error. So a fast path can only
// make input cheaper to scan, never change what it means.

// tagInfo describes a start tag parsed by tagFast.
type tagInfo struct {
	qEnd     int  // index just past the element name
	colon    int  // index of ':' in the element name, or -1
	end      int  // index just past '>'
	decls    int  // namespace declarations among the attributes
	prefixed bool // an attribute has a prefix (xml: included)
	// resolved is set when the tag needs no namespace work on its
	// attributes: no declarations, no prefixes but xml, and no two
	// attribute names that might be equal (their keys' filter bits
	// never collided). The attributes' namespaces are then already set.
	resolved bool
}

// tagFast parses the start tag whose '<' is at b[t] and whose name
// starts with an ASCII NCName character: ASCII names, '=' without
// spaces around it, any values. Attribute records, relative to m, are
// appended to attrs.
//
// info is written through a pointer: returned by value, the struct was
// assembled field by field and copied out with wide loads, a
// store-forwarding stall on every tag.
func (s *Scanner) tagFast(b []byte, t, lim, m int, attrs []attrRec, info *tagInfo) ([]attrRec, bool) {
	*info = tagInfo{}
	b = b[:lim] // so that p < len(b) proves every index below
	// The tables through pointers, so that their addresses stay in
	// registers instead of being rebuilt on every iteration.
	nc, cls, wm := &ncNameByte, &byteClass, &masks
	p := t + 1
	maxName, maxAttrs := s.lim.MaxNameBytes, s.lim.MaxAttrs
	// The element's name: a plain ASCII name inline, anything else
	// through fastName.
	q := p
	for q < len(b) && nc[b[q]] {
		q++
	}
	colon := -1
	if q >= len(b) || b[q] == ':' || b[q] >= 0x80 {
		var ok bool
		if q, colon, ok = fastName(b, p); !ok {
			return attrs, false
		}
	}
	if q-p > maxName {
		return attrs, false
	}
	info.qEnd, info.colon = q, colon
	p = q
	n0 := len(attrs)
	var seen uint64  // filter bits of the attribute keys so far
	complex := false // a declaration, a prefix other than xml, or a key collision
	for p < len(b) {
		c := b[p]
		if c == '>' {
			info.end = p + 1
			info.resolved = !complex
			return attrs, true
		}
		if c == '/' {
			if p+1 < len(b) && b[p+1] == '>' {
				info.end = p + 2
				info.resolved = !complex
				return attrs, true
			}
			return attrs, false
		}
		if byteClass[c]&clsSpace == 0 {
			return attrs, false
		}
		p++
		for p < len(b) && cls[b[p]]&clsSpace != 0 {
			p++
		}
		if p >= len(b) {
			return attrs, false
		}
		c = b[p]
		if c == '>' || c == '/' {
			continue
		}
		if byteClass[c]&clsNCNameStart == 0 || len(attrs)-n0 >= maxAttrs {
			return attrs, false
		}

		// The attribute's name, inline: most are a few ASCII letters.
		aStart := p
		acolon := -1
		q := p + 1
		for q < len(b) && nc[b[q]] {
			q++
		}
		if q < len(b) && b[q] == ':' {
			acolon = q
			if q+1 >= len(b) || byteClass[b[q+1]]&clsNCNameStart == 0 {
				return attrs, false
			}
			q += 2
			for q < len(b) && nc[b[q]] {
				q++
			}
		}
		if q+2 >= len(b) || b[q] != '=' || q-aStart > maxName {
			return attrs, false
		}
		quote := b[q+1]
		if quote != '"' && quote != '\'' {
			return attrs, false
		}
		p = q + 2
		vStart := p
		var flags uint8
	value:
		for {
			// attrRun, inlined: a call here would cost a reload of every
			// value this loop keeps in a register.
			for p+8 <= len(b) {
				if stop := wm.attrStops(binary.LittleEndian.Uint64(b[p : p+8])); stop != 0 {
					p += bits.TrailingZeros64(stop) >> 3
					if cls[b[p]]&clsAttrStop != 0 {
						goto stopped
					}
					p++ // a space or other byte below 0x28 that is allowed
					continue
				}
				p += 8
			}
			for p < len(b) && cls[b[p]]&clsAttrStop == 0 {
				p++
			}
		stopped:
			if p >= len(b) {
				return attrs, false
			}
			switch c := b[p]; {
			case c == quote:
				break value
			case c == '"' || c == '\'':
				p++
			case c == '&':
				r, err := s.scanRef(b, p, p+1, lim)
				if err != nil {
					return attrs, false
				}
				p = r
				flags |= attrEscaped
			case c >= 0x80:
				n := utf8Len(b, p)
				if n <= 0 {
					return attrs, false
				}
				p += n
			case c == '\t' || c == '\n' || c == '\r':
				flags |= attrEscaped
				p++
			default:
				return attrs, false
			}
		}
		// Fill the record in place: building it on the stack and copying
		// it costs a store-forwarding stall per attribute.
		if len(attrs) == cap(attrs) {
			attrs = append(attrs, attrRec{})
		} else {
			attrs = attrs[:len(attrs)+1]
		}
		rec := &attrs[len(attrs)-1]
		rec.qStart, rec.qEnd = int32(aStart-m), int32(q-m)
		rec.vStart, rec.vEnd = int32(vStart-m), int32(p-m)
		rec.space = span{}
		local := aStart
		if acolon >= 0 {
			rec.colon = int32(acolon - m)
			local = acolon + 1
			info.prefixed = true
			switch string(b[aStart:acolon]) {
			case "xml":
				rec.space = xmlSpan // bound by definition, never rebound
			case "xmlns":
				flags |= attrNSDecl
				info.decls++
				complex = true
			default:
				complex = true
			}
		} else {
			rec.colon = -1
			if q-aStart == 5 && string(b[aStart:q]) == "xmlns" {
				flags |= attrNSDecl
				info.decls++
				complex = true
			}
		}
		rec.flags = flags
		key := uint32(q-local)<<16 | uint32(b[local])<<8 | uint32(b[q-1])
		rec.key = key
		bit := keyBit(key)
		complex = complex || seen&bit != 0
		seen |= bit
		p++ // closing quote
	}
	return attrs, false
}

// plainSpace resolves the name of a tag tagFast read when the tag needs
// no namespace work but that: no declarations and no prefixed
// attributes (other than xml:) to resolve (info.resolved), and an
// unprefixed name, so the element is in the default namespace and
// resolveTag's work comes down to defaultNS. It reports false, having
// done nothing, for any other tag.
func (s *Scanner) plainSpace(info *tagInfo) (span, bool) {
	if !info.resolved || info.colon >= 0 || len(s.nsArena) == 0 {
		return span{}, false
	}
	s.declArenaStart = int32(len(s.nsArena))
	return s.defaultNS(), true
}

// scanStartFast scans the start tag at s.tokStart as one token.
func (s *Scanner) scanStartFast(b []byte, lim int) (Kind, bool, error) {
	var info tagInfo
	attrs, ok := s.tagFast(b, s.tokStart, lim, s.mark, s.attrs[:0], &info)
	s.attrs = attrs
	if !ok {
		return None, false, nil
	}
	s.decls = info.decls
	s.resolved = info.resolved
	s.qColon = info.colon
	s.qEnd = info.qEnd
	s.tokEnd = info.end
	k, err := s.finishStart(b[info.end-2] == '/')
	return k, true, err
}

// attrRun returns the index of the first byte at or after p that ends
// a plain run of attribute value (see clsAttrStop), or len(b). tagFast
// has the same loop written out in place, where a call costs more than
// the loop; TestFastPathAttrValuesEveryByte holds it to the resumable
// path's answers, which this function gives.
func attrRun(b []byte, p int) int {
	m := &masks
	for p+8 <= len(b) {
		if stop := m.attrStops(binary.LittleEndian.Uint64(b[p : p+8])); stop != 0 {
			p += bits.TrailingZeros64(stop) >> 3
			if byteClass[b[p]]&clsAttrStop != 0 {
				return p
			}
			p++ // a space or other byte below 0x28 that is allowed
			continue
		}
		p += 8
	}
	for p < len(b) && byteClass[b[p]]&clsAttrStop == 0 {
		p++
	}
	return p
}

// textRun is attrRun for character data (see clsTextStop).
func textRun(b []byte, p int) int {
	m := &masks
	for p+8 <= len(b) {
		if stop := m.textStops(binary.LittleEndian.Uint64(b[p : p+8])); stop != 0 {
			return p + bits.TrailingZeros64(stop)>>3
		}
		p += 8
	}
	for p < len(b) && byteClass[b[p]]&clsTextStop == 0 {
		p++
	}
	return p
}

// fastName scans an ASCII QName starting at p (b[p] is an NCName start
// character) and returns the index after it and the colon's index (or
// -1). ok is false if the name is not an ASCII QName or reaches len(b).
func fastName(b []byte, p int) (end, colon int, ok bool) {
	colon = -1
	start := p
	for {
		for p < len(b) && ncNameByte[b[p]] {
			p++
		}
		if p >= len(b) || b[p] >= 0x80 {
			return 0, 0, false
		}
		if b[p] != ':' {
			return p, colon, true
		}
		if colon >= 0 || p == start || p+1 >= len(b) || byteClass[b[p+1]]&clsNCNameStart == 0 {
			return 0, 0, false
		}
		colon = p
		p++
	}
}

// ncNameByte is byteClass&clsNCName as a table of bools, for the
// tightest loop of all.
var ncNameByte = func() (t [256]bool) {
	for c := range t {
		t[c] = byteClass[c]&clsNCName != 0
	}
	return t
}()

// scanEndFast matches "</qname>" at s.tokStart against the innermost
// open element on the stack.
func (s *Scanner) scanEndFast(b []byte, lim int) bool {
	if len(s.stack) == 0 {
		return false
	}
	top := &s.stack[len(s.stack)-1]
	p := s.tokStart + 2
	e := p + int(top.qLen)
	if e >= lim || b[e] != '>' || !bytes.Equal(b[p:e], s.qnames[top.qOff:top.qOff+top.qLen]) {
		return false
	}
	s.tokEnd = e + 1
	s.pos = e + 1
	s.phase = phBoundary
	s.closeTop()
	return true
}

// textFast scans character data from p to the next '<' and returns its
// index and the text flags.
func (s *Scanner) textFast(b []byte, p, lim int) (int, uint8, bool) {
	var flags uint8
	b = b[:lim]
	wm, cls := &masks, &byteClass
	for {
		// textRun, inlined.
		for p+8 <= len(b) {
			if stop := wm.textStops(binary.LittleEndian.Uint64(b[p : p+8])); stop != 0 {
				p += bits.TrailingZeros64(stop) >> 3
				goto stopped
			}
			p += 8
		}
		for p < len(b) && cls[b[p]]&clsTextStop == 0 {
			p++
		}
	stopped:
		if p >= len(b) {
			return p, flags, false
		}
		switch c := b[p]; {
		case c == '<':
			return p, flags, true
		case c == '&':
			r, err := s.scanRef(b, p, p+1, lim)
			if err != nil {
				return p, flags, false
			}
			p = r
			flags |= textRef
		case c == ']':
			if p+2 >= len(b) || (b[p+1] == ']' && b[p+2] == '>') {
				return p, flags, false
			}
			p++
		case c >= 0x80:
			n := utf8Len(b, p)
			if n <= 0 {
				return p, flags, false
			}
			p += n
		case c == '\n' || c == '\t':
			p++
		case c == '\r':
			flags |= textCR
			p++
		default:
			return p, flags, false
		}
	}
}

// buildFast continues the Element being read from s.pos, a token
// boundary, over the bytes already buffered. Elements it opens are
// tracked by the Element alone (e.cur, e.fastOpen), not pushed on the
// scanner's stack; when it stops early it pushes them, so that the
// resumable path finds the state it would have built itself. It
// reports whether the element's end tag has been consumed.
func (s *Scanner) buildFast(e *Element, root int) bool {
	var info tagInfo
	b := s.buf
	lim := s.horizon()
	m := s.mark
	p := s.pos
	for p < lim {
		if b[p] != '<' {
			q, flags, ok := s.textFast(b, p, lim)
			if !ok {
				break
			}
			_, n := e.add(Text, e.cur)
			n.start, n.end, n.flags = int32(p-m), int32(q-m), flags
			p = q
			continue
		}
		if p+1 >= lim {
			break
		}
		c := b[p+1]
		if c == '/' {
			if e.fastOpen == 0 {
				// The element is on the scanner's stack: the root, usually.
				s.tokStart = p
				if !s.scanEndFast(b, lim) {
					break
				}
				e.close(s)
				if s.depth < root {
					return true
				}
				s.release()
				p = s.pos
				continue
			}
			n := &e.nodes[e.cur]
			qn := b[m+int(n.qStart) : m+int(n.qEnd)]
			end := p + 2 + len(qn)
			if end >= lim || b[end] != '>' || !bytes.Equal(b[p+2:end], qn) {
				break
			}
			n.closeStart = int32(p - m)
			n.end = int32(end + 1 - m)
			s.bindings = s.bindings[:n.nsMark]
			e.cur = n.parent
			e.fastOpen--
			s.depth--
			p = end + 1
			if s.depth < root { // the unit's root, opened by elementFast
				s.pos = p
				s.phase = phBoundary
				return true
			}
			continue
		}
		if c == '!' {
			// A CDATA section (pubsub payloads carry them); anything
			// else after "<!" is for the resumable path to refuse.
			q, flags, ok := cdataFast(b, p, lim)
			if !ok {
				break
			}
			_, n := e.add(Text, e.cur)
			n.start, n.end, n.flags = int32(p+len("<![CDATA[")-m), int32(q-m), flags
			p = q + len("]]>")
			continue
		}
		if byteClass[c]&clsNCNameStart == 0 {
			break
		}
		level := s.depth + 1
		if s.stream {
			level--
		}
		if level > s.lim.MaxDepth || level <= 1 {
			break
		}
		attr0 := len(e.attrs)
		nb := len(s.bindings)
		attrs, ok := s.tagFast(b, p, lim, m, e.attrs, &info)
		e.attrs = attrs
		if !ok {
			e.attrs = e.attrs[:attr0]
			break
		}
		space, plain := s.plainSpace(&info)
		var err error
		if !plain {
			space, err = s.resolveTag(e.attrs[attr0:], info.decls, info.resolved, p+1, info.colon)
		}
		if err != nil {
			s.bindings = s.bindings[:nb]
			e.attrs = e.attrs[:attr0]
			break
		}
		i, n := e.add(StartElement, e.cur)
		n.start = int32(p - m)
		n.tagEnd = int32(info.end - m)
		n.qStart = int32(p + 1 - m)
		n.qEnd = int32(info.qEnd - m)
		n.colon = -1
		if info.colon >= 0 {
			n.colon = int32(info.colon - m)
		}
		n.space = space
		n.attr0 = int32(attr0)
		n.nattr = int32(len(e.attrs) - attr0)
		n.nsMark = int32(nb)
		if b[info.end-2] == '/' {
			n.closeStart, n.end = n.tagEnd, n.tagEnd
			s.bindings = s.bindings[:nb]
		} else {
			e.cur = i
			e.fastOpen++
			s.depth++
		}
		p = info.end
	}
	s.pos = p
	s.phase = phBoundary
	s.materialize(e)
	return false
}

// materialize pushes the elements buildFast opened onto the scanner's
// stack, outermost first.
func (s *Scanner) materialize(e *Element) {
	if e.fastOpen == 0 {
		return
	}
	var path [64]int32
	open := path[:0]
	for i, n := e.cur, e.fastOpen; n > 0; n-- {
		open = append(open, i)
		i = e.nodes[i].parent
	}
	m := s.mark
	for k := len(open) - 1; k >= 0; k-- {
		n := &e.nodes[open[k]]
		el := openElem{
			qOff:      int32(len(s.qnames)),
			qLen:      n.qEnd - n.qStart,
			colon:     -1,
			space:     n.space,
			nBindings: n.nsMark,
			arenaLen:  int32(len(s.nsArena)),
		}
		if open[k] == 0 && e.arena0 >= 0 {
			el.unit = true // elementFast opened the unit itself
			el.arenaLen = e.arena0
		}
		s.stack = append(s.stack, el)
		if n.colon >= 0 {
			s.stack[len(s.stack)-1].colon = n.colon - n.qStart
		}
		s.qnames = append(s.qnames, s.buf[m+int(n.qStart):m+int(n.qEnd)]...)
	}
	e.fastOpen = 0
}

// elementFast reads a whole unit that starts at the current boundary
// and is already buffered: its start tag parsed straight into e, the
// rest by buildFast, without tokens in between. It reports false, having
// committed nothing, when the next token is not a unit's start tag in
// the common form; when the unit is only partly buffered it reports
// true with done false, the unit open and e ready for the resumable
// loop.
func (s *Scanner) elementFast(e *Element) (started, done bool) {
	if !s.stream || s.depth != 1 {
		return false, false
	}
	b := s.buf
	p := s.pos
	for p < s.end && isSpace(b[p]) {
		p++
	}
	if p+1 >= s.end || b[p] != '<' || byteClass[b[p+1]]&clsNCNameStart == 0 || s.lim.MaxDepth < 1 {
		s.pos, s.mark = p, p
		return false, false
	}
	s.pos, s.mark = p, p
	s.tokStart = p
	s.unitOff = s.base + int64(p)
	lim := s.horizon()
	e.reset()
	var info tagInfo
	attrs, ok := s.tagFast(b, p, lim, p, e.attrs[:0], &info)
	e.attrs = attrs
	if !ok {
		s.unitOff = -1
		return false, false
	}
	nb := len(s.bindings)
	space, plain := s.plainSpace(&info)
	var err error
	if !plain {
		space, err = s.resolveTag(e.attrs, info.decls, info.resolved, p+1, info.colon)
	}
	if err != nil {
		s.bindings = s.bindings[:nb]
		s.unitOff = -1
		return false, false
	}
	e.arena0 = s.declArenaStart
	i, n := e.add(StartElement, -1)
	n.start = 0
	n.tagEnd = int32(info.end - p)
	n.qStart = 1
	n.qEnd = int32(info.qEnd - p)
	n.colon = -1
	if info.colon >= 0 {
		n.colon = int32(info.colon - p)
	}
	n.space = space
	n.nattr = int32(len(e.attrs))
	n.nsMark = int32(nb)
	if !info.prefixed {
		n.flags = elemUnprefixed
	}
	s.retain = true
	s.pos = info.end
	s.phase = phBoundary
	if b[info.end-2] == '/' {
		n.closeStart, n.end = n.tagEnd, n.tagEnd
		s.bindings = s.bindings[:nb]
		return true, true
	}
	e.cur = i
	e.fastOpen = 1
	s.depth++
	return true, s.buildFast(e, s.depth)
}

// cdataFast scans the CDATA section whose "<![CDATA[" starts at p and
// returns the index of its "]]>" and its text flags.
func cdataFast(b []byte, p, lim int) (int, uint8, bool) {
	const open = "<![CDATA["
	if p+len(open) > lim || string(b[p:p+len(open)]) != open {
		return 0, 0, false
	}
	b = b[:lim]
	flags := textCDATA
	for p += len(open); p < len(b); p++ {
		switch c := b[p]; {
		case c == ']':
			if p+2 >= len(b) {
				return 0, 0, false
			}
			if b[p+1] == ']' && b[p+2] == '>' {
				return p, flags, true
			}
		case c >= 0x80:
			_, n := decodeChar(b, p, len(b))
			if n <= 0 {
				return 0, 0, false
			}
			p += n - 1
		case c < 0x20:
			switch c {
			case '\r':
				flags |= textCR
			case '\n', '\t':
			default:
				return 0, 0, false
			}
		}
	}
	return 0, 0, false
}

// utf8Len returns the length of the valid UTF-8 Char that starts at
// b[p] (>= 0x80), or 0 if it is invalid or runs past len(b): the common
// two- and three-byte sequences inline, the rest through decodeChar.
func utf8Len(b []byte, p int) int {
	c := b[p]
	if c >= 0xC2 && c < 0xE0 && p+1 < len(b) && b[p+1]&0xC0 == 0x80 {
		return 2
	}
	if c > 0xE0 && c < 0xED && p+2 < len(b) && b[p+1]&0xC0 == 0x80 && b[p+2]&0xC0 == 0x80 {
		return 3
	}
	_, n := decodeChar(b, p, len(b))
	return max(n, 0)
}
