package fastxml

// Byte classes and character predicates for XML 1.0 (Fifth Edition).
//
// Everything that runs per byte is a table lookup or a handful of
// integer operations; nothing here allocates or calls through an
// interface.

// Byte class bits stored in byteClass.
const (
	clsNameStart   = 1 << iota // ASCII NameStartChar: A-Z a-z _ :
	clsName                    // ASCII NameChar: NameStartChar, 0-9, '-', '.'
	clsSpace                   // S: #x20 #x9 #xD #xA
	clsHigh                    // >= 0x80: first or continuation byte of a multi-byte UTF-8 sequence
	clsTextStop                // ends a run of plain character data: < & ] controls, >= 0x80
	clsAttrStop                // ends a run of plain attribute value: < & ' " controls, >= 0x80
	clsNCName                  // ASCII NameChar other than ':'
	clsNCNameStart             // ASCII NameStartChar other than ':'
)

// byteClass classifies every byte value. It is built once at package
// initialisation and never written again.
var byteClass = func() (t [256]uint16) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= clsNameStart | clsName
		t[c+'a'-'A'] |= clsNameStart | clsName
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= clsName
	}
	t['_'] |= clsNameStart | clsName
	t[':'] |= clsNameStart | clsName
	t['-'] |= clsName
	t['.'] |= clsName
	for _, c := range []byte{' ', '\t', '\r', '\n'} {
		t[c] |= clsSpace
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] |= clsHigh | clsTextStop | clsAttrStop
	}
	for c := 0; c < 0x20; c++ {
		t[c] |= clsTextStop | clsAttrStop
	}
	for c := range t {
		if t[c]&clsName != 0 && c != ':' {
			t[c] |= clsNCName
		}
		if t[c]&clsNameStart != 0 && c != ':' {
			t[c] |= clsNCNameStart
		}
	}
	for _, c := range []byte("<&]") {
		t[c] |= clsTextStop
	}
	for _, c := range []byte("<&'\"") {
		t[c] |= clsAttrStop
	}
	return t
}()

func isSpace(c byte) bool { return byteClass[c]&clsSpace != 0 }

// isNameStartRune reports whether r (>= 0x80) is a NameStartChar.
func isNameStartRune(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

// isNameRune reports whether r (>= 0x80) is a NameChar.
func isNameRune(r rune) bool {
	return isNameStartRune(r) || r == 0xB7 || (r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
}

// isChar reports whether r is an XML Char:
// #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
func isChar(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// Results of decodeChar besides a positive length.
const (
	utf8Short   = 0  // the sequence is a valid prefix but the bytes end before it does
	utf8Invalid = -1 // not UTF-8, or not an XML Char
)

// decodeChar decodes the multi-byte UTF-8 sequence starting at b[p]
// (b[p] >= 0x80), reading no further than b[:end]. It returns the rune
// and its length, or utf8Short when b ends inside a sequence that is
// valid so far, or utf8Invalid for an overlong form, a surrogate, a
// value above U+10FFFF, a stray continuation byte, or a non-Char
// (U+FFFE, U+FFFF). Every byte of a sequence is checked as soon as it
// is available, so the verdict for a given input never depends on how
// it was split into reads.
func decodeChar(b []byte, p, end int) (rune, int) {
	c0 := b[p]
	var n int
	var lo, hi byte = 0x80, 0xBF // allowed range of the second byte
	switch {
	case c0 < 0xC2:
		return 0, utf8Invalid // continuation byte or overlong 2-byte lead
	case c0 < 0xE0:
		n = 2
	case c0 < 0xF0:
		n = 3
		if c0 == 0xE0 {
			lo = 0xA0 // overlong
		} else if c0 == 0xED {
			hi = 0x9F // surrogates
		}
	case c0 < 0xF5:
		n = 4
		if c0 == 0xF0 {
			lo = 0x90 // overlong
		} else if c0 == 0xF4 {
			hi = 0x8F // above U+10FFFF
		}
	default:
		return 0, utf8Invalid
	}
	avail := end - p
	if avail > n {
		avail = n
	}
	if avail >= 2 {
		if c := b[p+1]; c < lo || c > hi {
			return 0, utf8Invalid
		}
	}
	for i := 2; i < avail; i++ {
		if c := b[p+i]; c < 0x80 || c > 0xBF {
			return 0, utf8Invalid
		}
	}
	if avail < n {
		return 0, utf8Short
	}
	var r rune
	switch n {
	case 2:
		r = rune(c0&0x1F)<<6 | rune(b[p+1]&0x3F)
	case 3:
		r = rune(c0&0x0F)<<12 | rune(b[p+1]&0x3F)<<6 | rune(b[p+2]&0x3F)
		if r >= 0xFFFE { // U+FFFE and U+FFFF are not Chars
			return 0, utf8Invalid
		}
	default:
		r = rune(c0&0x07)<<18 | rune(b[p+1]&0x3F)<<12 | rune(b[p+2]&0x3F)<<6 | rune(b[p+3]&0x3F)
	}
	return r, n
}

// SWAR helpers: eight bytes at a time, little-endian loads.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hasZeroByte returns a non-zero value iff some byte of x is zero.
func hasZeroByte(x uint64) uint64 { return (x - lsb) & ^x & msb }

// hasLess returns a non-zero value iff some byte of x is < n (n <= 128).
func hasLess(x uint64, n uint64) uint64 { return (x - lsb*n) & ^x & msb }

// Masks for the word-at-a-time loops. They are read through a pointer
// to a variable, so the compiler keeps them in registers across a loop
// instead of rebuilding each 64-bit constant on every iteration.
type swarMasks struct {
	lt, amp, br, below20, below28, high, one uint64
}

var masks = swarMasks{
	lt: lsb * '<', amp: lsb * '&', br: lsb * ']',
	below20: lsb * 0x20, below28: lsb * 0x28, high: msb, one: lsb,
}

// The stop masks below flag, in the high bit of each byte, the bytes
// that end a plain run. They use the zero-byte test (v-1) &^ v on
// x^pattern, but clear with ^x instead of ^(x^pattern): every pattern
// is below 0x80, so the two agree on the high bits, which are all that
// is kept. The lowest set bit of a mask is the high bit of the first
// flagged byte (borrows only spill upwards), so
// bits.TrailingZeros64(mask)/8 is its index.

// textStops flags controls, '&', '<', ']' and non-ASCII bytes.
func (m *swarMasks) textStops(x uint64) uint64 {
	stop := ((x - m.below20) | (x ^ m.lt - m.one) | (x ^ m.amp - m.one) | (x ^ m.br - m.one)) &^ x
	return (stop | x) & m.high
}

// attrStops flags every byte below 0x28 (controls, both quotes and '&'
// are; so are ' ' and '!', which the byte loop then steps over), '<'
// and non-ASCII bytes.
func (m *swarMasks) attrStops(x uint64) uint64 {
	stop := ((x - m.below28) | (x ^ m.lt - m.one)) &^ x
	return (stop | x) & m.high
}
