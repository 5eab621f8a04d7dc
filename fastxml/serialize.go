package fastxml

// AppendStandalone appends the element n, re-serialized so that it
// stands alone: namespace declarations it relies on but that were made
// outside it (on the stream header, say) are added to its start tag;
// references are replaced and values and text escaped again, with CR, LF
// and tab as character references, so the result is one line; CDATA
// sections become escaped text. Parsed alone, the result has the same
// namespace-resolved tree as n: names, attributes, values, child order
// and character data; only how the text is split into nodes can differ
// (text n holds as several nodes, around a CDATA section, comes back as
// one node, and an empty CDATA section as none). Attributes inherited
// in meaning only, such as the stream's xml:lang, are not copied.
//
// Gateways that forward to a stream with the same context should send
// Element.Raw instead: it needs no work at all.
func (n Node) AppendStandalone(dst []byte) []byte {
	if !n.IsElement() {
		return appendEscaped(dst, n.AppendText(nil), false)
	}
	return n.appendXML(dst, n.i)
}

func (n Node) appendXML(dst []byte, root int32) []byte {
	e := n.e
	d := &e.nodes[n.i]
	nm := n.Name()
	dst = append(dst, '<')
	dst = append(dst, e.raw[d.qStart:d.qEnd]...)
	if n.i == root {
		dst = n.appendOuterDecls(dst)
	}
	var tmp [128]byte
	for i := 0; i < int(d.nattr); i++ {
		a := n.AttrAt(i)
		dst = append(dst, ' ')
		dst = append(dst, e.raw[a.r.qStart:a.r.qEnd]...)
		dst = append(dst, '=', '"')
		dst = appendEscaped(dst, a.AppendValue(tmp[:0]), true)
		dst = append(dst, '"')
	}
	if d.first < 0 {
		return append(dst, '/', '>')
	}
	dst = append(dst, '>')
	for c := n.FirstChild(); c.Valid(); c = c.NextSibling() {
		if c.IsText() {
			dst = appendEscaped(dst, c.AppendText(tmp[:0]), false)
		} else {
			dst = c.appendXML(dst, root)
		}
	}
	dst = append(dst, '<', '/')
	dst = append(dst, nm.Prefix...)
	if len(nm.Prefix) > 0 {
		dst = append(dst, ':')
	}
	dst = append(dst, nm.Local...)
	return append(dst, '>')
}

// appendOuterDecls appends, for the root n, a declaration for every
// prefix (and the default namespace) that a name inside n uses but no
// element inside n declares.
func (n Node) appendOuterDecls(dst []byte) []byte {
	e := n.e
	start := n.i
	end := int32(len(e.nodes))
	// Nodes are in document order, so n's subtree is a contiguous run.
	for i := start + 1; i < end; i++ {
		if !e.within(i, start) {
			end = i
			break
		}
	}
	var done [16][]byte // prefixes already declared here ("" for the default)
	declared := done[:0]
	seen := func(p []byte) bool {
		for _, q := range declared {
			if string(q) == string(p) {
				return true
			}
		}
		return false
	}
	use := func(at int32, prefix, space []byte) {
		if string(prefix) == "xml" || seen(prefix) || e.declares(at, start, prefix) {
			return
		}
		declared = append(declared, prefix)
		if len(prefix) == 0 && len(space) == 0 {
			return // the outer default is no namespace: nothing to declare
		}
		dst = append(dst, " xmlns"...)
		if len(prefix) > 0 {
			dst = append(dst, ':')
			dst = append(dst, prefix...)
		}
		dst = append(dst, '=', '"')
		dst = appendEscaped(dst, space, true)
		dst = append(dst, '"')
	}
	for i := start; i < end; i++ {
		if e.nodes[i].kind != StartElement {
			continue
		}
		c := Node{e, i}
		nm := c.Name()
		use(i, nm.Prefix, nm.Space)
		for j := 0; j < c.NumAttrs(); j++ {
			a := c.AttrAt(j)
			if a.IsNamespaceDecl() {
				continue
			}
			if an := a.Name(); len(an.Prefix) > 0 {
				use(i, an.Prefix, an.Space)
			}
		}
	}
	return dst
}

// within reports whether node i is root or one of its descendants.
func (e *Element) within(i, root int32) bool {
	for ; i >= 0; i = e.nodes[i].parent {
		if i == root {
			return true
		}
	}
	return false
}

// declares reports whether element i or one of its ancestors up to
// root declares prefix ("" for the default namespace).
func (e *Element) declares(i, root int32, prefix []byte) bool {
	for ; i >= 0; i = e.nodes[i].parent {
		d := &e.nodes[i]
		for k := d.attr0; k < d.attr0+d.nattr; k++ {
			r := &e.attrs[k]
			if r.flags&attrNSDecl == 0 {
				continue
			}
			var p []byte
			if r.colon >= 0 {
				p = e.raw[r.colon+1 : r.qEnd]
			}
			if string(p) == string(prefix) {
				return true
			}
		}
		if i == root {
			break
		}
	}
	return false
}

// appendEscaped appends s escaped for character data, or for an
// attribute value (attr) in either kind of quotes. CR, LF and tab become character references in
// both, so that the output is one line and survives normalisation.
func appendEscaped(dst, s []byte, attr bool) []byte {
	for _, c := range s {
		switch c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '"':
			if attr {
				dst = append(dst, "&quot;"...)
			} else {
				dst = append(dst, c)
			}
		case '\'':
			if attr {
				dst = append(dst, "&apos;"...)
			} else {
				dst = append(dst, c)
			}
		case '\r':
			dst = append(dst, "&#xD;"...)
		case '\n':
			dst = append(dst, "&#xA;"...)
		case '\t':
			dst = append(dst, "&#x9;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// SetAttr names an unprefixed attribute of an element's start tag and
// the value it should have; see AppendWithAttrs.
type SetAttr struct {
	Local string
	Value []byte
}

// AppendWithAttrs appends the element's raw bytes with some attributes
// of its start tag set: each named attribute (unprefixed, in no
// namespace) present gets the new value, escaped; each absent one is
// added after the element's name. Everything else is copied as it
// arrived, without re-serializing: this is how a gateway rewrites the
// to and from of a stanza it forwards.
func (e *Element) AppendWithAttrs(dst []byte, set ...SetAttr) []byte {
	e.check()
	if len(e.nodes) == 0 {
		return dst
	}
	root := &e.nodes[0]
	raw := e.raw
	pos := int32(0)
	// Absent attributes go right after the name.
	dst = append(dst, raw[:root.qEnd]...)
	pos = root.qEnd
	for _, sa := range set {
		if e.rootAttr(sa.Local) == nil {
			dst = append(dst, ' ')
			dst = append(dst, sa.Local...)
			dst = append(dst, '=', '\'')
			dst = appendEscaped(dst, sa.Value, true)
			dst = append(dst, '\'')
		}
	}
	// Present ones are replaced in document order.
	for i := root.attr0; i < root.attr0+root.nattr; i++ {
		r := &e.attrs[i]
		if r.colon >= 0 || r.flags&attrNSDecl != 0 {
			continue
		}
		for _, sa := range set {
			if string(raw[r.qStart:r.qEnd]) == sa.Local {
				dst = append(dst, raw[pos:r.vStart]...)
				dst = appendEscaped(dst, sa.Value, true)
				pos = r.vEnd
				break
			}
		}
	}
	return append(dst, raw[pos:]...)
}

// rootAttr returns the root's unprefixed attribute named local, or nil.
func (e *Element) rootAttr(local string) *attrRec {
	root := &e.nodes[0]
	for i := root.attr0; i < root.attr0+root.nattr; i++ {
		r := &e.attrs[i]
		if r.colon < 0 && r.flags&attrNSDecl == 0 && string(e.raw[r.qStart:r.qEnd]) == local {
			return r
		}
	}
	return nil
}
