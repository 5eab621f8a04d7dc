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
	if len(prefix) == 0 {
		return s.defaultNS(), true
	}
	n := int32(len(prefix))
	for i := len(s.bindings) - 1; i >= 0; i-- {
		bd := &s.bindings[i]
		if bd.prefix.n == n && (n == 0 || string(s.arenaBytes(bd.prefix)) == string(prefix)) {
			return bd.uri, true
		}
	}
	if n == 0 {
		return span{}, true
	}
	if string(prefix) == "xml" {
		return xmlSpan, true
	}
	return span{}, false
}

// defaultNS returns the default namespace in scope (the empty span for
// none): the lookup of every unprefixed element name, kept small enough
// to inline.
func (s *Scanner) defaultNS() span {
	for i := len(s.bindings) - 1; i >= 0; i-- {
		if s.bindings[i].prefix.n == 0 {
			return s.bindings[i].uri
		}
	}
	return span{}
}

// finishStart completes a start tag whose '>' is at s.tokEnd-1: the
// namespaces are resolved, the element is pushed and the StartElement
// token is ready.
func (s *Scanner) finishStart(empty bool) (Kind, error) {
	nBindings := int32(len(s.bindings))
	nameStart := s.tokStart + 1
	space, err := s.resolveTag(s.attrs, s.decls, s.resolved, nameStart, s.qColon)
	s.resolved = false
	if err != nil {
		return None, err
	}
	arenaLen := int32(len(s.nsArena))
	if s.decls > 0 {
		// The declarations' bytes must go when the element does.
		arenaLen = s.declArenaStart
	}

	// Push the element, filling the entry in place.
	if len(s.stack) == cap(s.stack) {
		s.stack = append(s.stack, openElem{})
	} else {
		s.stack = s.stack[:len(s.stack)+1]
	}
	el := &s.stack[len(s.stack)-1]
	el.nBindings, el.arenaLen = nBindings, arenaLen
	el.space = space
	el.qOff = int32(len(s.qnames))
	el.qLen = int32(s.qEnd - nameStart)
	el.colon = -1
	if s.qColon >= 0 {
		el.colon = int32(s.qColon - nameStart)
	}
	el.unit = s.unitOff == s.base+int64(s.tokStart)
	s.qnames = append(s.qnames, s.buf[nameStart:s.qEnd]...)
	s.depth++
	s.selfClose = empty
	s.pendingEnd = empty
	s.pos = s.tokEnd
	s.phase = phBoundary
	return StartElement, nil
}

// resolveTag applies Namespaces in XML to a start tag whose name starts
// at buffer index nameStart (colon: index of its ':' or -1) and whose
// attribute records (relative to s.mark) are attrs: it pushes the tag's
// declarations (decls of them), resolves every attribute's namespace
// and checks for duplicates after expansion. It returns the element's
// namespace.
//
// When resolved is set (see tagInfo) the attributes need nothing, and
// only the element's name is looked up.
func (s *Scanner) resolveTag(attrs []attrRec, decls int, resolved bool, nameStart, colon int) (span, error) {
	if len(s.nsArena) == 0 {
		s.nsArena = append(s.nsArena, predeclared...)
	}
	b := s.buf
	m := s.mark
	s.declArenaStart = int32(len(s.nsArena))

	// Declarations first: they apply to the element's own name and to
	// all of its attributes, wherever they appear in the tag.
	if decls > 0 {
		for i := range attrs {
			a := &attrs[i]
			if a.flags&attrNSDecl == 0 {
				continue
			}
			prefix := b[m+int(a.qStart) : m+int(a.qStart)]
			if a.colon >= 0 {
				prefix = b[m+int(a.colon)+1 : m+int(a.qEnd)]
			}
			if err := s.declare(a, prefix); err != nil {
				return span{}, err
			}
		}
	}

	// The element's name.
	var space span
	if colon < 0 {
		space = s.defaultNS()
	} else {
		prefix := b[nameStart:colon]
		if string(prefix) == "xmlns" {
			return span{}, s.notWF(nameStart, "element name with the reserved prefix xmlns")
		}
		var ok bool
		if space, ok = s.lookup(prefix); !ok {
			return span{}, s.notWF(nameStart, "element prefix is not declared")
		}
	}
	if resolved {
		return space, nil
	}

	// Attribute names, and duplicates after expansion. A 64-bit filter
	// over the name keys sends only colliding pairs to a real comparison,
	// so the usual tag costs one pass.
	var seen uint64
	for i := range attrs {
		a := &attrs[i]
		switch {
		case a.flags&attrNSDecl != 0:
			a.space = xmlnsSpan
		case a.colon >= 0:
			sp, ok := s.lookup(b[m+int(a.qStart) : m+int(a.colon)])
			if !ok {
				return span{}, s.notWF(m+int(a.qStart), "attribute prefix is not declared")
			}
			a.space = sp
		default:
			a.space = span{}
		}
		bit := keyBit(a.key)
		if seen&bit != 0 {
			for j := 0; j < i; j++ {
				if o := &attrs[j]; o.key == a.key && s.sameAttrName(o, a) {
					return span{}, s.notWF(m+int(a.qStart), "duplicate attribute")
				}
			}
		}
		seen |= bit
	}
	return space, nil
}

// sameAttrName reports whether two recorded attributes have the same
// expanded name.
func (s *Scanner) sameAttrName(a, b *attrRec) bool {
	return string(s.attrLocal(a)) == string(s.attrLocal(b)) &&
		string(s.arenaBytes(a.space)) == string(s.arenaBytes(b.space))
}

// attrLocal returns the local part of a recorded attribute's name.
func (s *Scanner) attrLocal(a *attrRec) []byte {
	m := s.mark
	if a.colon >= 0 {
		return s.buf[m+int(a.colon)+1 : m+int(a.qEnd)]
	}
	return s.buf[m+int(a.qStart) : m+int(a.qEnd)]
}

// keyBit maps an attribute key to one bit of a 64-bit filter.
// A multiplicative hash spreads the few bits that differ between
// XMPP's common attribute names (from, to, type, id, xml:lang) apart.
func keyBit(key uint32) uint64 { return 1 << ((key * 0x9E3779B1) >> 26) }

// attrKey is a cheap summary of an attribute's local name: equal names
// have equal keys, so most pairs are told apart without comparing bytes.
func attrKey(local []byte) uint32 {
	return uint32(len(local))<<16 | uint32(local[0])<<8 | uint32(local[len(local)-1])
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
	u := s.arenaBytes(uri)
	switch {
	case string(prefix) == "xmlns":
		return s.notWF(at, "the prefix xmlns must not be declared")
	case string(prefix) == "xml":
		if string(u) != XMLNamespace {
			return s.notWF(at, "the prefix xml must not be bound to another namespace")
		}
	case string(u) == XMLNamespace:
		return s.notWF(at, "only the prefix xml may be bound to the XML namespace")
	case string(u) == XMLNSNamespace:
		return s.notWF(at, "the xmlns namespace must not be declared")
	case len(prefix) > 0 && len(u) == 0:
		return s.notWF(at, "a prefix cannot be bound to the empty namespace name")
	}
	s.bindings = append(s.bindings, nsBinding{prefix: pfx, uri: uri})
	return nil
}
