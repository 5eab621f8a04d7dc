package fastxml

import (
	"bytes"
)

// scanStartTag scans "<name attr='value' ...>" or ".../>" from phLT on.
// Attribute records are appended to s.attrs as they complete; namespace
// processing happens once the tag is closed, because a declaration may
// follow the attribute that uses it.
func (s *Scanner) scanStartTag() (Kind, error) {
	b := s.buf
	lim := s.horizon()
	p := s.pos
	for {
		switch s.phase {
		case phLT:
			q := s.tokStart + 1
			if q >= lim {
				return None, s.short(s.tokStart, lim)
			}
			switch c := b[q]; c {
			case '/':
				s.phase = phEndName
				s.pos = q + 1
				return s.scanEndTag()
			case '!':
				s.phase = phBang
				s.pos = q + 1
				return s.scanBang()
			case '?':
				s.phase = phPI
				s.pos = q + 1
				return s.scanPI()
			}
			if n, err := s.nameStart(b, q, lim); err != nil {
				if err == errShort {
					return None, s.short(s.tokStart, lim)
				}
				return None, err
			} else if n == 0 {
				return None, s.notWF(q, "'<' not followed by a name, '/', '!' or '?'")
			}
			if err := s.openTag(); err != nil {
				return None, err
			}
			lim = s.horizon() // the tag may have started a unit
			s.attrs = s.attrs[:0]
			s.decls = 0
			s.spaced = false
			s.phase = phStartName
			p = q

		case phStartName:
			q, err := s.scanNameTo(b, s.tokStart+1, p, lim)
			if err != nil {
				return None, s.suspend(err, q, lim)
			}
			colon, err := s.checkQName(b, s.tokStart+1, q)
			if err != nil {
				return None, err
			}
			s.qColon, s.qEnd = colon, q
			p = q
			s.phase = phAttrGap

		case phAttrGap:
			spaced := s.spaced
			for p < lim && isSpace(b[p]) {
				p++
				spaced = true
			}
			s.spaced = spaced
			if p >= lim {
				return None, s.short(p, lim)
			}
			switch c := b[p]; c {
			case '>':
				s.tokEnd = p + 1
				return s.finishStart(false)
			case '/':
				p++
				s.phase = phEmptyEnd
				continue
			}
			n, err := s.nameStart(b, p, lim)
			if err != nil {
				return None, s.suspend(err, p, lim)
			}
			if n == 0 {
				return None, s.notWF(p, "unexpected character in a start tag")
			}
			if !spaced {
				return None, s.notWF(p, "attributes must be separated by whitespace")
			}
			if len(s.attrs) >= s.lim.MaxAttrs {
				return None, s.errorAt(p, ErrPolicyViolation, "too many attributes in one start tag", "MaxAttrs")
			}
			s.aux = p
			s.phase = phAttrName

		case phAttrName:
			q, err := s.scanNameTo(b, s.aux, p, lim)
			if err != nil {
				return None, s.suspend(err, q, lim)
			}
			colon, err := s.checkQName(b, s.aux, q)
			if err != nil {
				return None, err
			}
			m := s.mark
			rec := attrRec{qStart: int32(s.aux - m), qEnd: int32(q - m), colon: -1}
			local := b[s.aux:q]
			if colon >= 0 {
				rec.colon = int32(colon - m)
				local = b[colon+1 : q]
				if string(b[s.aux:colon]) == "xmlns" {
					rec.flags |= attrNSDecl
				}
			} else if string(local) == "xmlns" {
				rec.flags |= attrNSDecl
			}
			if rec.flags&attrNSDecl != 0 {
				s.decls++
			}
			rec.key = attrKey(local)
			s.attrs = append(s.attrs, rec)
			p = q
			s.phase = phAttrEq

		case phAttrEq:
			for p < lim && isSpace(b[p]) {
				p++
			}
			if p >= lim {
				return None, s.short(p, lim)
			}
			if b[p] != '=' {
				return None, s.notWF(p, "expected '=' after an attribute name")
			}
			p++
			s.phase = phAttrQuote

		case phAttrQuote:
			for p < lim && isSpace(b[p]) {
				p++
			}
			if p >= lim {
				return None, s.short(p, lim)
			}
			if c := b[p]; c != '"' && c != '\'' {
				return None, s.notWF(p, "attribute value not quoted")
			}
			s.quote = b[p]
			p++
			s.aux = p
			s.textFlags = 0
			s.phase = phAttrValue

		case phAttrValue:
			q, err := s.scanAttrValue(b, p, lim)
			if err != nil {
				return None, s.suspend(err, q, lim)
			}
			a := &s.attrs[len(s.attrs)-1]
			a.vStart = int32(s.aux - s.mark)
			a.vEnd = int32(q - s.mark)
			if s.textFlags != 0 {
				a.flags |= attrEscaped
			}
			p = q + 1 // past the closing quote
			s.spaced = false
			s.phase = phAttrGap

		case phEmptyEnd:
			if p >= lim {
				return None, s.short(p, lim)
			}
			if b[p] != '>' {
				return None, s.notWF(p, "expected '>' after '/' in a tag")
			}
			s.tokEnd = p + 1
			return s.finishStart(true)
		}
	}
}

// suspend turns errShort from a sub-scanner into a suspension at p.
func (s *Scanner) suspend(err error, p, lim int) error {
	if err == errShort {
		return s.short(p, lim)
	}
	return err
}

// nameStart reports whether b[p] begins a name: the length of the
// NameStartChar there, 0 if it is not one, or errShort.
func (s *Scanner) nameStart(b []byte, p, lim int) (int, error) {
	c := b[p]
	if byteClass[c]&clsNameStart != 0 {
		return 1, nil
	}
	if c < 0x80 {
		return 0, nil
	}
	r, n := decodeChar(b, p, lim)
	if n == utf8Short {
		return 0, errShort
	}
	if n < 0 {
		return 0, s.notWF(p, "invalid UTF-8")
	}
	if !isNameStartRune(r) {
		return 0, nil
	}
	return n, nil
}

// scanNameTo continues a name that starts at start (its first character
// already checked) from p. It returns the index of the first byte after
// the name, or errShort with the index to resume from.
func (s *Scanner) scanNameTo(b []byte, start, p, lim int) (int, error) {
	max := start + s.lim.MaxNameBytes
	stop := lim
	if max < stop {
		stop = max
	}
	for {
		for p < stop && byteClass[b[p]]&clsName != 0 {
			p++
		}
		if p < stop {
			if b[p] < 0x80 {
				return p, nil
			}
			r, n := decodeChar(b, p, lim)
			if n == utf8Short {
				return p, errShort
			}
			if n < 0 {
				return p, s.notWF(p, "invalid UTF-8")
			}
			if !isNameRune(r) {
				return p, nil
			}
			if p+n > max {
				return p, s.errorAt(max, ErrPolicyViolation, "name longer than the limit", "MaxNameBytes")
			}
			p += n
			continue
		}
		if p == max && max < lim {
			if c := b[max]; byteClass[c]&clsName != 0 || c >= 0x80 {
				return p, s.errorAt(max, ErrPolicyViolation, "name longer than the limit", "MaxNameBytes")
			}
			return p, nil
		}
		return p, errShort
	}
}

// scanNameFrom scans, resumably, a name that starts at start, resuming
// at p: at the start its first character must be a NameStartChar, or
// the input is not well-formed for the reason given. Suspensions and
// errors come back ready to return from a step.
func (s *Scanner) scanNameFrom(b []byte, start, p, lim int, notName string) (int, error) {
	if p == start {
		if p >= lim {
			return p, s.short(p, lim)
		}
		n, err := s.nameStart(b, p, lim)
		if err != nil {
			return p, s.suspend(err, p, lim)
		}
		if n == 0 {
			return p, s.notWF(p, notName)
		}
	}
	q, err := s.scanNameTo(b, start, p, lim)
	if err != nil {
		return q, s.suspend(err, q, lim)
	}
	return q, nil
}

// checkQName checks that b[start:end] is a QName (Namespaces in XML
// §4): at most one colon, with a non-empty prefix and a local part that
// starts with a NameStartChar. It returns the colon's index or -1.
func (s *Scanner) checkQName(b []byte, start, end int) (int, error) {
	i := bytes.IndexByte(b[start:end], ':')
	if i < 0 {
		return -1, nil
	}
	colon := start + i
	if colon == start || colon == end-1 {
		return 0, s.notWF(colon, "name with an empty prefix or local part")
	}
	if bytes.IndexByte(b[colon+1:end], ':') >= 0 {
		return 0, s.notWF(start, "name with more than one colon")
	}
	if n, _ := s.nameStart(b, colon+1, end); n == 0 {
		return 0, s.notWF(colon+1, "local part does not start with a name character")
	}
	return colon, nil
}

// openTag applies the checks that depend on where a start tag appears.
func (s *Scanner) openTag() error {
	if s.depth == 0 && s.rootDone {
		return s.notWF(s.tokStart, "element after the root element")
	}
	level := s.depth + 1
	if s.stream {
		level--
	}
	if level > s.lim.MaxDepth {
		return s.errorAt(s.tokStart, ErrPolicyViolation, "elements nested deeper than the limit", "MaxDepth")
	}
	if level == 1 || (s.depth == 0 && !s.stream) {
		s.unitOff = s.base + int64(s.tokStart)
	}
	return nil
}

// scanAttrValue scans an attribute value from p to its closing quote,
// whose index it returns. References, tabs, CRs and LFs set textFlags
// (the value then needs decoding).
func (s *Scanner) scanAttrValue(b []byte, p, lim int) (int, error) {
	quote := s.quote
	for {
		if s.refStart >= 0 {
			q, err := s.scanRef(b, s.refStart, p, lim)
			if err != nil {
				return q, err
			}
			s.refStart = -1
			p = q
		}
		p = attrRun(b[:lim], p)
		if p >= lim {
			return p, errShort
		}
		switch c := b[p]; {
		case c == quote:
			return p, nil
		case c == '"' || c == '\'':
			p++
		case c == '&':
			s.textFlags |= textRef
			s.refStart = p
			p++
		case c == '<':
			return p, s.notWF(p, "'<' in an attribute value")
		case c >= 0x80:
			_, n := decodeChar(b, p, lim)
			if n == utf8Short {
				return p, errShort
			}
			if n < 0 {
				return p, s.notWF(p, "invalid UTF-8 or a non-Char in an attribute value")
			}
			p += n
		case c == '\t' || c == '\n' || c == '\r':
			s.textFlags |= textCR
			p++
		default:
			return p, s.notWF(p, "control character in an attribute value")
		}
	}
}

// scanEndTag scans "</name S? >".
func (s *Scanner) scanEndTag() (Kind, error) {
	b := s.buf
	lim := s.horizon()
	p := s.pos
	start := s.tokStart + 2
	if s.phase == phEndName {
		q, err := s.scanNameFrom(b, start, p, lim, "'</' not followed by a name")
		if err != nil {
			return None, err
		}
		s.qEnd = q
		p = q
		s.phase = phEndGap
	}
	for p < lim && isSpace(b[p]) {
		p++
	}
	if p >= lim {
		return None, s.short(p, lim)
	}
	if b[p] != '>' {
		return None, s.notWF(p, "expected '>' in an end tag")
	}
	if s.depth == 0 {
		return None, s.notWF(s.tokStart, "end tag without a matching start tag")
	}
	top := &s.stack[len(s.stack)-1]
	if !bytes.Equal(b[start:s.qEnd], s.qnames[top.qOff:top.qOff+top.qLen]) {
		return None, s.notWF(s.tokStart, "end tag does not match the open element")
	}
	s.tokEnd = p + 1
	s.pos = p + 1
	s.phase = phBoundary
	s.closeTop()
	return EndElement, nil
}

// closeTop makes the innermost open element the current EndElement
// token. Its bookkeeping is dropped at the next call (popElement), so
// that the token's name stays valid until then.
func (s *Scanner) closeTop() {
	top := &s.stack[len(s.stack)-1]
	s.depth--
	if top.unit {
		s.unitOff = -1
	}
	if s.depth == 0 {
		s.rootDone = true
	}
	s.popOnNext = true
}

// elemName returns the Name of an open element.
func (s *Scanner) elemName(e *openElem) Name {
	q := s.qnames[e.qOff : e.qOff+e.qLen]
	n := Name{Space: s.nsArena[e.space.off : e.space.off+e.space.n], Local: q}
	if e.colon >= 0 {
		n.Prefix = q[:e.colon]
		n.Local = q[e.colon+1:]
	}
	return n
}

// popElement forgets the element closed by the previous token.
func (s *Scanner) popElement() {
	s.popOnNext = false
	top := &s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.bindings = s.bindings[:top.nBindings]
	s.qnames = s.qnames[:top.qOff]
	if !s.retain {
		// While an Element is being built its namespace names must stay
		// put; the arena is cut back when the unit's root is popped.
		s.nsArena = s.nsArena[:top.arenaLen]
	}
}
