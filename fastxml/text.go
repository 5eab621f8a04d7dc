package fastxml

import (
	"encoding/binary"
	"unicode/utf8"
)

// scanText scans character data up to the next '<'.
func (s *Scanner) scanText() (Kind, error) {
	b := s.buf
	lim := s.horizon()
	p := s.pos
	for {
		if s.refStart >= 0 {
			q, err := s.scanRef(b, s.refStart, p, lim)
			if err != nil {
				return None, s.suspend(err, q, lim)
			}
			s.refStart = -1
			p = q
		}
		p = textRun(b[:lim], p)
		if p >= lim {
			return None, s.short(p, lim)
		}
		switch c := b[p]; {
		case c == '<':
			s.tokEnd = p
			s.pos = p
			s.phase = phBoundary
			return Text, nil
		case c == '&':
			s.textFlags |= textRef
			s.refStart = p
			p++
		case c == ']':
			// "]]>" is not allowed in character data.
			if p+2 < lim {
				if b[p+1] == ']' && b[p+2] == '>' {
					return None, s.notWF(p, "']]>' in character data")
				}
				p++
				continue
			}
			if p+1 < lim && b[p+1] != ']' {
				p++
				continue
			}
			if s.eof && lim == s.end {
				p++ // the input ends before a "]]>" could be complete
				continue
			}
			return None, s.short(p, lim)
		default:
			q, err := s.dataChar(b, p, lim, "character data")
			if err != nil {
				return None, err
			}
			p = q
		}
	}
}

// dataChar accepts the character at b[p] in character data or a CDATA
// section (where): a UTF-8 sequence of a Char, or LF, tab or CR (which
// marks the run for normalisation). It returns the index after it.
func (s *Scanner) dataChar(b []byte, p, lim int, where string) (int, error) {
	switch c := b[p]; {
	case c >= 0x80:
		_, n := decodeChar(b, p, lim)
		if n == utf8Short {
			return p, s.short(p, lim)
		}
		if n < 0 {
			return p, s.notWF(p, "invalid UTF-8 or a non-Char in "+where)
		}
		return p + n, nil
	case c == '\n' || c == '\t':
		return p + 1, nil
	case c == '\r':
		s.textFlags |= textCR
		return p + 1, nil
	}
	return p, s.notWF(p, "control character in "+where)
}

// scanRef checks the reference that starts with '&' at b[start],
// resuming at p. It returns the index after the ';'. Only the five
// predefined entities and character references to Chars are accepted;
// any other entity reference is restricted XML.
func (s *Scanner) scanRef(b []byte, start, p, lim int) (int, error) {
	if p == start+1 {
		if p >= lim {
			return p, errShort
		}
		if b[p] == '#' {
			s.refVal = 0
			p++
		} else {
			n, err := s.nameStart(b, p, lim)
			if err != nil {
				return p, err
			}
			if n == 0 {
				return p, s.notWF(start, "'&' not followed by a name or '#'")
			}
		}
	}
	if b[start+1] != '#' {
		q, err := s.scanNameTo(b, start+1, p, lim)
		if err != nil {
			return q, err
		}
		if b[q] != ';' {
			return q, s.notWF(q, "entity reference not terminated by ';'")
		}
		switch string(b[start+1 : q]) {
		case "lt", "gt", "amp", "apos", "quot":
			return q + 1, nil
		}
		return q, s.errorAt(start, ErrRestrictedXML, "reference to an entity other than the five predefined ones", "")
	}
	// Character reference: "&#" digits ";" or "&#x" hexdigits ";".
	digits := start + 2
	if p == digits {
		if p >= lim {
			return p, errShort
		}
		if b[p] == 'x' {
			p++
		}
	}
	hex := b[digits] == 'x'
	if hex {
		digits++
	}
	v := s.refVal
	for ; p < lim; p++ {
		c := b[p]
		var d int32
		switch {
		case c >= '0' && c <= '9':
			d = int32(c - '0')
		case hex && c >= 'a' && c <= 'f':
			d = int32(c-'a') + 10
		case hex && c >= 'A' && c <= 'F':
			d = int32(c-'A') + 10
		case c == ';' && p > digits:
			if !isChar(rune(v)) {
				return p, s.notWF(start, "character reference to a non-Char")
			}
			return p + 1, nil
		default:
			return p, s.notWF(p, "malformed character reference")
		}
		if hex {
			v = v<<4 | d
		} else {
			v = v*10 + d
		}
		if v > utf8.MaxRune {
			return p, s.notWF(start, "character reference beyond U+10FFFF")
		}
		if p-start >= s.lim.MaxNameBytes {
			return p, s.errorAt(p, ErrPolicyViolation, "character reference longer than the limit", "MaxNameBytes")
		}
	}
	s.refVal = v
	return p, errShort
}

// scanBang handles "<!": a comment or a DOCTYPE is restricted XML as
// soon as "<!-" or "<!D" is seen (no DTD is ever parsed, so entity
// expansion attacks cannot start); "<![CDATA[" opens a CDATA section.
func (s *Scanner) scanBang() (Kind, error) {
	b := s.buf
	lim := s.horizon()
	q := s.tokStart + 2
	if q >= lim {
		return None, s.short(s.tokStart, lim)
	}
	switch b[q] {
	case '-':
		return None, s.errorAt(s.tokStart, ErrRestrictedXML, "comment", "")
	case 'D':
		return None, s.errorAt(s.tokStart, ErrRestrictedXML, "document type declaration", "")
	case '[':
		const open = "CDATA["
		for i := 0; i < len(open); i++ {
			if q+1+i >= lim {
				return None, s.short(s.tokStart, lim)
			}
			if b[q+1+i] != open[i] {
				return None, s.notWF(q+1+i, "malformed '<![CDATA['")
			}
		}
		if s.depth == 0 {
			return None, s.notWF(s.tokStart, "CDATA section outside the root element")
		}
		s.aux = q + 1 + len(open)
		s.pos = s.aux
		s.textFlags = textCDATA
		s.phase = phCDATA
		return s.scanCDATA()
	}
	return None, s.notWF(q, "'<!' not followed by '--', 'DOCTYPE' or '[CDATA['")
}

// scanCDATA scans a CDATA section's content up to "]]>".
func (s *Scanner) scanCDATA() (Kind, error) {
	b := s.buf
	lim := s.horizon()
	p := s.pos
	for {
		for p+8 <= lim {
			x := binary.LittleEndian.Uint64(b[p:])
			if (hasLess(x, 0x20) | x&msb | hasZeroByte(x^(lsb*']'))) != 0 {
				break
			}
			p += 8
		}
		for p < lim && b[p] >= 0x20 && b[p] < 0x80 && b[p] != ']' {
			p++
		}
		if p >= lim {
			return None, s.short(p, lim)
		}
		switch c := b[p]; {
		case c == ']':
			if p+2 >= lim {
				if p+1 < lim && b[p+1] != ']' {
					p++
					continue
				}
				return None, s.short(p, lim)
			}
			if b[p+1] == ']' && b[p+2] == '>' {
				s.tokEnd = p + 3
				s.pos = p + 3
				s.phase = phBoundary
				return Text, nil
			}
			p++
		default:
			q, err := s.dataChar(b, p, lim, "a CDATA section")
			if err != nil {
				return None, err
			}
			p = q
		}
	}
}

// scanPI handles "<?". The one XML declaration allowed is at the very
// start of the input; any other processing instruction is restricted
// XML, and a target spelled "xml" anywhere else is not well-formed.
func (s *Scanner) scanPI() (Kind, error) {
	b := s.buf
	lim := s.horizon()
	start := s.tokStart + 2
	q, err := s.scanNameFrom(b, start, s.pos, lim, "'<?' not followed by a target name")
	if err != nil {
		return None, err
	}
	t := b[start:q]
	if len(t) == 3 && t[0]|0x20 == 'x' && t[1]|0x20 == 'm' && t[2]|0x20 == 'l' {
		if string(t) == "xml" && s.base+int64(s.tokStart) == 0 && isSpace(b[q]) {
			s.aux = q
			s.pos = q
			s.phase = phDecl
			return s.scanDecl()
		}
		if s.base+int64(s.tokStart) == 0 {
			return None, s.notWF(s.tokStart, "malformed XML declaration")
		}
		return None, s.notWF(s.tokStart, "XML declaration not at the start of the input")
	}
	return None, s.errorAt(s.tokStart, ErrRestrictedXML, "processing instruction", "")
}

// scanDecl finds the end of the XML declaration, rejecting any byte the
// declaration cannot contain as soon as it arrives, then checks it.
func (s *Scanner) scanDecl() (Kind, error) {
	b := s.buf
	lim := s.horizon()
	p := s.pos
	for ; p < lim; p++ {
		c := b[p]
		switch {
		case c == '?':
			if p+1 >= lim {
				return None, s.short(p, lim)
			}
			if b[p+1] != '>' {
				return None, s.notWF(p, "malformed XML declaration")
			}
			if err := s.checkDecl(b[s.tokStart:p+2], s.tokStart); err != nil {
				return None, err
			}
			s.pos = p + 2
			s.phase = phBoundary
			return s.scanBoundary()
		case byteClass[c]&(clsName|clsSpace) != 0 && c != ':', c == '\'', c == '"', c == '=':
		default:
			return None, s.notWF(p, "unexpected character in the XML declaration")
		}
	}
	return None, s.short(p, lim)
}

// checkDecl checks an XML declaration d (from "<?xml" to "?>") at
// buffer index at against XML 1.0 production [23]. The version must be
// 1.0 (RFC 6120 §11.8); a declared encoding must be UTF-8 (§11.6).
func (s *Scanner) checkDecl(d []byte, at int) error {
	i := len("<?xml")
	end := len(d) - len("?>")
	// pseudo reads " name = 'value'" and returns name and value.
	pseudo := func() (name, value []byte, ok bool) {
		j := i
		for j < end && isSpace(d[j]) {
			j++
		}
		if j == i || j == end {
			return nil, nil, false
		}
		n0 := j
		for j < end && d[j] >= 'a' && d[j] <= 'z' {
			j++
		}
		name = d[n0:j]
		for j < end && isSpace(d[j]) {
			j++
		}
		if j == end || d[j] != '=' {
			return nil, nil, false
		}
		j++
		for j < end && isSpace(d[j]) {
			j++
		}
		if j == end || (d[j] != '"' && d[j] != '\'') {
			return nil, nil, false
		}
		q := d[j]
		j++
		v0 := j
		for j < end && d[j] != q {
			j++
		}
		if j == end {
			return nil, nil, false
		}
		value = d[v0:j]
		i = j + 1
		return name, value, true
	}
	name, v, ok := pseudo()
	if !ok || string(name) != "version" {
		return s.notWF(at, "XML declaration without a version")
	}
	if !validVersionNum(v) {
		return s.notWF(at, "malformed version in the XML declaration")
	}
	if string(v) != "1.0" {
		return s.notWF(at, "XML version other than 1.0 (RFC 6120 §11.8)")
	}
	save := i
	name, v, ok = pseudo()
	if ok && string(name) == "encoding" {
		if !validEncName(v) {
			return s.notWF(at, "malformed encoding name in the XML declaration")
		}
		if !equalFold(v, "UTF-8") {
			return s.errorAt(at, ErrUnsupportedEncoding, "XML declaration names an encoding other than UTF-8", "")
		}
		save = i
		name, v, ok = pseudo()
	}
	if ok && string(name) == "standalone" {
		if string(v) != "yes" && string(v) != "no" {
			return s.notWF(at, "standalone must be 'yes' or 'no'")
		}
		save = i
		name, _, ok = pseudo()
	}
	_ = name
	if ok {
		return s.notWF(at, "unexpected pseudo-attribute in the XML declaration")
	}
	i = save
	for i < end && isSpace(d[i]) {
		i++
	}
	if i != end {
		return s.notWF(at, "malformed XML declaration")
	}
	return nil
}

func validVersionNum(v []byte) bool {
	if len(v) < 3 || v[0] != '1' || v[1] != '.' {
		return false
	}
	for _, c := range v[2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validEncName checks EncName: [A-Za-z] ([A-Za-z0-9._] | '-')*.
func validEncName(v []byte) bool {
	if len(v) == 0 || !(v[0]|0x20 >= 'a' && v[0]|0x20 <= 'z') {
		return false
	}
	for _, c := range v[1:] {
		if !(c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// equalFold compares ASCII case-insensitively.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c, d := b[i], s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if d >= 'A' && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// appendDecoded appends the value of raw, which the scanner has already
// validated, replacing references and normalising line ends (CR LF and
// lone CR become LF, XML 1.0 §2.11). For attribute values (attr) each
// literal tab, CR, LF or CR LF becomes one space (§3.3.3); characters
// produced by references are kept as they are.
func appendDecoded(dst, raw []byte, attr bool) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch c {
		case '&':
			j := i + 1
			for raw[j] != ';' {
				j++
			}
			dst = appendRef(dst, raw[i+1:j])
			i = j + 1
			continue
		case '\r':
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			c = '\n'
		}
		if attr && (c == '\n' || c == '\t') {
			c = ' '
		}
		dst = append(dst, c)
		i++
	}
	return dst
}

// appendRef appends the replacement of a validated reference body
// ("lt", "#60", "#x3C", ...).
func appendRef(dst, ref []byte) []byte {
	switch string(ref) {
	case "lt":
		return append(dst, '<')
	case "gt":
		return append(dst, '>')
	case "amp":
		return append(dst, '&')
	case "apos":
		return append(dst, '\'')
	case "quot":
		return append(dst, '"')
	}
	var v rune
	if ref[1] == 'x' {
		for _, c := range ref[2:] {
			v <<= 4
			switch {
			case c <= '9':
				v |= rune(c - '0')
			case c >= 'a':
				v |= rune(c-'a') + 10
			default:
				v |= rune(c-'A') + 10
			}
		}
	} else {
		for _, c := range ref[1:] {
			v = v*10 + rune(c-'0')
		}
	}
	return utf8.AppendRune(dst, v)
}

// appendCDATA appends CDATA content with line ends normalised.
func appendCDATA(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\r' {
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			c = '\n'
		}
		dst = append(dst, c)
	}
	return dst
}
