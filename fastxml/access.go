package fastxml

// Accessors for the token returned by the last call to Next. Every
// slice they return is borrowed from the scanner: read it, copy what
// you keep, and do not hold it past the next call to Next, ReadElement
// or Reset. (Build with -tags fastxmldebug to have stale slices
// overwritten, so that code which keeps them fails its tests.)

// Name returns the name of the current StartElement or EndElement.
func (s *Scanner) Name() Name {
	if s.kind != StartElement && s.kind != EndElement {
		return Name{}
	}
	n := s.name
	n.Space = s.debug.loan(n.Space)
	n.Prefix = s.debug.loan(n.Prefix)
	n.Local = s.debug.loan(n.Local)
	return n
}

// SelfClosing reports whether the current StartElement was written as
// an empty-element tag ("<a/>"); its EndElement follows immediately.
func (s *Scanner) SelfClosing() bool { return s.kind == StartElement && s.selfClose }

// NumAttrs returns the number of attributes of the current
// StartElement, namespace declarations included.
func (s *Scanner) NumAttrs() int {
	if s.kind != StartElement {
		return 0
	}
	return len(s.attrs)
}

// Attr returns the i'th attribute of the current StartElement, in
// document order.
func (s *Scanner) Attr(i int) Attr {
	a := s.attrRecAttr(&s.attrs[i], s.buf[s.mark:], s.nsArena)
	a.Name.Space = s.debug.loan(a.Name.Space)
	a.Name.Prefix = s.debug.loan(a.Name.Prefix)
	a.Name.Local = s.debug.loan(a.Name.Local)
	a.Raw = s.debug.loan(a.Raw)
	return a
}

// attrRecAttr converts a record; raw is the retained region the
// record's offsets are relative to.
func (s *Scanner) attrRecAttr(r *attrRec, raw, names []byte) Attr {
	return recAttr(r, raw, names)
}

func recAttr(r *attrRec, raw, names []byte) Attr {
	a := Attr{
		Raw:     raw[r.vStart:r.vEnd],
		Escaped: r.flags&attrEscaped != 0,
	}
	a.Name.Space = names[r.space.off : r.space.off+r.space.n]
	q := raw[r.qStart:r.qEnd]
	if r.colon >= 0 {
		c := r.colon - r.qStart
		a.Name.Prefix = q[:c]
		a.Name.Local = q[c+1:]
	} else {
		a.Name.Local = q
	}
	return a
}

// RawText returns the current Text token as written: references not
// replaced, line ends not normalised; for a CDATA section, its content.
func (s *Scanner) RawText() []byte {
	if s.kind != Text {
		return nil
	}
	return s.debug.loan(s.rawText())
}

func (s *Scanner) rawText() []byte {
	if s.textFlags&textCDATA != 0 {
		return s.buf[s.aux : s.tokEnd-len("]]>")]
	}
	return s.buf[s.tokStart:s.tokEnd]
}

// IsCDATA reports whether the current Text token is a CDATA section.
func (s *Scanner) IsCDATA() bool { return s.kind == Text && s.textFlags&textCDATA != 0 }

// AppendText appends the character data of the current Text token to
// dst, references replaced and line ends normalised.
func (s *Scanner) AppendText(dst []byte) []byte {
	if s.kind != Text {
		return dst
	}
	return appendText(dst, s.rawText(), s.textFlags)
}

func appendText(dst, raw []byte, flags uint8) []byte {
	switch {
	case flags&textCDATA != 0:
		if flags&textCR == 0 {
			return append(dst, raw...)
		}
		return appendCDATA(dst, raw)
	case flags&(textRef|textCR) != 0:
		return appendDecoded(dst, raw, false)
	}
	return append(dst, raw...)
}

// Raw returns the bytes of the current token exactly as they arrived
// (empty for the EndElement of an empty-element tag).
func (s *Scanner) Raw() []byte {
	if s.kind == None {
		return nil
	}
	return s.debug.loan(s.buf[s.tokStart:s.tokEnd])
}
