package fastxml

// Accessors for the token returned by the last call to Next. Every
// slice they return is borrowed from the scanner: read it, copy what
// you keep, and do not hold it past the next call to Next, ReadElement
// or Reset. (Build with -tags xmppcoredebug to have stale slices
// overwritten, so that code which keeps them fails its tests.)

// Name returns the name of the current StartElement or EndElement.
func (s *Scanner) Name() Name {
	if s.kind != StartElement && s.kind != EndElement {
		return Name{}
	}
	n := s.elemName(&s.stack[len(s.stack)-1])
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
	if Debug {
		// A private copy of the token's bytes, poisoned at the next call.
		return Attr{r: &s.attrs[i], raw: s.debug.loan(s.buf[s.mark:s.tokEnd]), names: s.debug.loan(s.nsArena)}
	}
	return Attr{r: &s.attrs[i], raw: s.buf[s.mark:], names: s.nsArena}
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

// Text returns the character data of the current Text token: the
// buffer's own bytes when nothing needs decoding (no copy), otherwise
// the data decoded into scratch[:0] (see Attr.Value on its capacity).
func (s *Scanner) Text(scratch []byte) []byte {
	if s.kind != Text {
		return nil
	}
	if s.textFlags&(textRef|textCR) == 0 {
		return s.debug.loan(s.rawText())
	}
	return appendText(scratch[:0], s.rawText(), s.textFlags)
}

// Raw returns the bytes of the current token exactly as they arrived
// (empty for the EndElement of an empty-element tag).
func (s *Scanner) Raw() []byte {
	if s.kind == None {
		return nil
	}
	return s.debug.loan(s.buf[s.tokStart:s.tokEnd])
}
