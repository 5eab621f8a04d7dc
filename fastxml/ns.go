package fastxml

// Namespaces in XML 1.0 (Third Edition): declarations, prefix lookup,
// and the rules a namespace-well-formed document follows.
//
// Bindings live on a stack that mirrors the open elements. Prefixes and
// namespace names are copied (decoded) into nsArena, because the start
// tag that declared them is usually long gone from the read buffer
// when they are used; the arena is cut back as elements close. Its
// first bytes always hold the two namespace names bound by definition.

var predeclared = XMLNamespace + XMLNSNamespace

var (
	xmlSpan   = span{0, int32(len(XMLNamespace))}
	xmlnsSpan = span{int32(len(XMLNamespace)), int32(len(XMLNSNamespace))}
)

func (s *Scanner) arenaBytes(sp span) []byte { return s.nsArena[sp.off : sp.off+sp.n] }

// lookup returns the namespace bound to prefix (nil prefix: the default
// namespace, whose absence is the empty span).
func (s *Scanner) lookup(prefix []byte) (span, bool) {
	for i := len(s.bindings) - 1; i >= 0; i-- {
		bd := &s.bindings[i]
		if int(bd.prefix.n) == len(prefix) && string(s.arenaBytes(bd.prefix)) == string(prefix) {
			return bd.uri, true
		}
	}
	if len(prefix) == 0 {
		return span{}, true
	}
	if string(prefix) == "xml" {
		return xmlSpan, true
	}
	return span{}, false
}

// finishStart completes a start tag whose '>' is at s.tokEnd-1:
// namespace declarations, name resolution, duplicate attributes; then
// the element is pushed and the StartElement token is ready.
func (s *Scanner) finishStart(empty bool) (Kind, error) {
	if len(s.nsArena) == 0 {
		s.nsArena = append(s.nsArena, predeclared...)
	}
	b := s.buf
	m := s.mark
	el := openElem{nBindings: int32(len(s.bindings)), arenaLen: int32(len(s.nsArena))}

	// Declarations first: they apply to the element's own name and to
	// all of its attributes, wherever they appear in the tag.
	for i := range s.attrs {
		a := &s.attrs[i]
		q := b[m+int(a.qStart) : m+int(a.qEnd)]
		var prefix []byte
		switch {
		case a.colon < 0 && string(q) == "xmlns":
			prefix = q[:0]
		case a.colon >= 0 && string(b[m+int(a.qStart):m+int(a.colon)]) == "xmlns":
			prefix = b[m+int(a.colon)+1 : m+int(a.qEnd)]
		default:
			continue
		}
		a.flags |= attrNSDecl
		if err := s.declare(a, prefix); err != nil {
			return None, err
		}
	}

	// The element's name.
	nameStart := s.tokStart + 1
	var prefix []byte
	if s.qColon >= 0 {
		prefix = b[nameStart:s.qColon]
		if string(prefix) == "xmlns" {
			return None, s.notWF(nameStart, "element name with the reserved prefix xmlns")
		}
	}
	sp, ok := s.lookup(prefix)
	if !ok {
		return None, s.notWF(nameStart, "element prefix is not declared")
	}
	el.space = sp

	// Attribute names, and duplicates after expansion.
	for i := range s.attrs {
		a := &s.attrs[i]
		local := b[m+int(a.qStart) : m+int(a.qEnd)]
		switch {
		case a.flags&attrNSDecl != 0:
			a.space = xmlnsSpan
			if a.colon >= 0 {
				local = b[m+int(a.colon)+1 : m+int(a.qEnd)]
			}
		case a.colon >= 0:
			p := b[m+int(a.qStart) : m+int(a.colon)]
			local = b[m+int(a.colon)+1 : m+int(a.qEnd)]
			sp, ok := s.lookup(p)
			if !ok {
				return None, s.notWF(m+int(a.qStart), "attribute prefix is not declared")
			}
			a.space = sp
		default:
			a.space = span{}
		}
		a.key = uint32(len(local))<<16 | uint32(local[0])<<8 | uint32(local[len(local)-1])
		for j := 0; j < i; j++ {
			o := &s.attrs[j]
			if o.key != a.key || string(s.attrLocal(o)) != string(local) ||
				string(s.arenaBytes(o.space)) != string(s.arenaBytes(a.space)) {
				continue
			}
			return None, s.notWF(m+int(a.qStart), "duplicate attribute")
		}
	}

	// Push the element.
	el.qOff = int32(len(s.qnames))
	el.qLen = int32(s.qEnd - nameStart)
	el.colon = -1
	if s.qColon >= 0 {
		el.colon = int32(s.qColon - nameStart)
	}
	el.unit = s.unitStart == s.tokStart
	s.qnames = append(s.qnames, b[nameStart:s.qEnd]...)
	s.stack = append(s.stack, el)
	s.depth++
	s.name = s.elemName(&s.stack[len(s.stack)-1])
	s.selfClose = empty
	s.pendingEnd = empty
	s.pos = s.tokEnd
	s.phase = phBoundary
	return StartElement, nil
}

// attrLocal returns the local part of a recorded attribute's name.
func (s *Scanner) attrLocal(a *attrRec) []byte {
	m := s.mark
	if a.colon >= 0 {
		return s.buf[m+int(a.colon)+1 : m+int(a.qEnd)]
	}
	return s.buf[m+int(a.qStart) : m+int(a.qEnd)]
}

// declare pushes the binding made by the namespace declaration a, for
// prefix (empty for xmlns='...'), enforcing Namespaces in XML §3.
func (s *Scanner) declare(a *attrRec, prefix []byte) error {
	b := s.buf
	m := s.mark
	at := m + int(a.qStart)
	raw := b[m+int(a.vStart) : m+int(a.vEnd)]
	start := len(s.nsArena)
	s.nsArena = append(s.nsArena, prefix...)
	pfx := span{int32(start), int32(len(prefix))}
	if a.flags&attrEscaped != 0 {
		s.nsArena = appendDecoded(s.nsArena, raw, true)
	} else {
		s.nsArena = append(s.nsArena, raw...)
	}
	uri := span{pfx.off + pfx.n, int32(len(s.nsArena) - start - len(prefix))}
	u := string(s.arenaBytes(uri))
	switch {
	case string(prefix) == "xmlns":
		return s.notWF(at, "the prefix xmlns must not be declared")
	case string(prefix) == "xml":
		if u != XMLNamespace {
			return s.notWF(at, "the prefix xml must not be bound to another namespace")
		}
	case u == XMLNamespace:
		return s.notWF(at, "only the prefix xml may be bound to the XML namespace")
	case u == XMLNSNamespace:
		return s.notWF(at, "the xmlns namespace must not be declared")
	case len(prefix) > 0 && len(u) == 0:
		return s.notWF(at, "a prefix cannot be bound to the empty namespace name")
	}
	s.bindings = append(s.bindings, nsBinding{prefix: pfx, uri: uri})
	return nil
}
