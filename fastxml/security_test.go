package fastxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"
)

// The scanner's share of /work/shared/SECURITY-CASES.md, "XML of the
// stream": one test per case, TestSecurityCaseNN. Cases 9, 10, 11, 14
// and 15 concern the stream layer and are in stream/security_test.go.
// Inputs already in the mustFail and mustPass tables are referenced by
// name, not repeated.

// scanModes are the three ways of driving the scanner; each must give
// the same verdict.
var scanModes = []struct {
	name string
	scan func(io.Reader, Options) (*Scanner, error)
}{
	{"tokens", scanWith},
	{"elements", scanElementsWith},
	{"nextelement", scanNextElementsWith},
}

// failCases returns the mustFail entries with these names.
func failCases(t *testing.T, names ...string) []failCase {
	t.Helper()
	var cs []failCase
	for _, n := range names {
		found := false
		for _, c := range mustFail {
			if c.name == n {
				cs, found = append(cs, c), true
				break
			}
		}
		if !found {
			t.Fatalf("no mustFail case named %q", n)
		}
	}
	return cs
}

// passInput returns the mustPass input with this name.
func passInput(t *testing.T, name string) (string, bool) {
	t.Helper()
	for _, c := range mustPass {
		if c.name == name {
			return c.in, c.stream
		}
	}
	t.Fatalf("no mustPass case named %q", name)
	return "", false
}

// refuse checks that c.in is refused with an *Error of c.cond at byte
// c.off by every scan mode, whole, one byte per read and split in two
// at every offset, and that the error is sticky: the scanner never
// resynchronises after bad bytes.
func refuse(t *testing.T, c failCase) {
	t.Helper()
	in := []byte(c.in)
	opts := Options{Stream: c.stream}
	for _, m := range scanModes {
		try := func(how string, r io.Reader) bool {
			t.Helper()
			s, err := m.scan(r, opts)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, c.cond) || e.Condition != c.cond || e.Offset != c.off {
				t.Errorf("%s (%s, %s): got %v, want %s at byte %d", c.name, m.name, how, err, c.cond, c.off)
				return false
			}
			for i := 0; i < 2; i++ {
				if _, again := s.Next(); again != err {
					t.Errorf("%s (%s, %s): the scanner went on after its error: %v", c.name, m.name, how, again)
					return false
				}
			}
			return true
		}
		if !try("whole", bytes.NewReader(in)) || !try("one byte per read", &chunkReader{data: in, sizes: []int{1}}) {
			continue
		}
		for cut := 1; cut < len(in); cut++ {
			if !try(fmt.Sprintf("split at %d", cut), splitReader(in, cut)) {
				break
			}
		}
	}
}

// accept checks that in is accepted, with the tokens want (unless want
// is empty), and that the tokens and the elements read are the same
// whole, one byte per read and split in two at every offset. It
// returns the token dump.
func accept(t *testing.T, name string, stream bool, in, want string) string {
	t.Helper()
	b := []byte(in)
	s := NewScanner(nil, Options{Stream: stream})
	s.ResetBytes(b)
	got := dumpTokens(s)
	if !strings.HasSuffix(got, "\nEOF") && got != "EOF" {
		t.Errorf("%s: refused: %s", name, lastLine(got))
		return got
	}
	if want != "" && got != want {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
	s.ResetBytes(b)
	gotEl := dumpNextElements(s, stream)
	check := func(how string, r func() io.Reader) bool {
		t.Helper()
		s.Reset(r())
		if g := dumpTokens(s); g != got {
			t.Errorf("%s (tokens, %s):\n%s\nwant:\n%s", name, how, g, got)
			return false
		}
		s.Reset(r())
		if g := dumpNextElements(s, stream); g != gotEl {
			t.Errorf("%s (nextelement, %s):\n%s\nwant:\n%s", name, how, g, gotEl)
			return false
		}
		return true
	}
	check("one byte per read", func() io.Reader { return &chunkReader{data: b, sizes: []int{1}} })
	for cut := 1; cut < len(b); cut++ {
		if !check(fmt.Sprintf("split at %d", cut), func() io.Reader { return splitReader(b, cut) }) {
			break
		}
	}
	return got
}

// firstUnit reads the first unit of the stream hdr+body with
// NextElement.
func firstUnit(t *testing.T, body string) *Element {
	t.Helper()
	s := NewScanner(strings.NewReader(hdr+body), Options{Stream: true})
	var e Element
	for {
		k, err := s.NextElement(&e)
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		if k == WholeElement {
			return e.Clone()
		}
	}
}

const hdrTokens = `<{urn:s}s|s {http://www.w3.org/2000/xmlns/}s="urn:s" {http://www.w3.org/2000/xmlns/}xmlns="jabber:client">` + "\n"

// Case 1: comments, processing instructions, DOCTYPE and entity
// references other than the five predefined are restricted-xml,
// wherever they appear; a DOCTYPE is refused at "<!D", before anything
// of it is read, so no entity is ever defined, let alone expanded.
func TestSecurityCase01RestrictedXML(t *testing.T) {
	for _, c := range failCases(t,
		"comment", "comment before root", "comment after root", "comment after stream end",
		"doctype at <!D", "doctype inside", "billion laughs stops at <!D",
		"pi", "pi before root", "pi after stream end",
		"entity ref in text", "entity ref in attr", "entity ref long name") {
		refuse(t, c)
	}

	var laughs strings.Builder
	laughs.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">`)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&laughs, `<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	laughs.WriteString(`]><lolz>&lol9;</lolz>`)
	quadratic := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "` + strings.Repeat("a", 4096) + `">]><r>` + strings.Repeat("&a;", 512) + `</r>`
	for _, c := range []failCase{
		{"billion laughs, all nine levels", false, laughs.String(), ErrRestrictedXML, 21},
		{"quadratic blowup", false, quadratic, ErrRestrictedXML, 21},
		{"doctype in a stream, before the header", true, `<!DOCTYPE s:s [<!ENTITY x "y">]>` + hdr, ErrRestrictedXML, 0},
		{"comment between stanzas", true, hdr + `<m/><!--x--><m/>`, ErrRestrictedXML, hdrLen + 4},
		{"pi between stanzas", true, hdr + `<m/><?x y?><m/>`, ErrRestrictedXML, hdrLen + 4},
		{"pi before the stream header after the declaration", true, `<?xml version='1.0'?><?x y?>` + hdr, ErrRestrictedXML, 21},
		{"entity ref in stream-level text", true, hdr + `&foo;`, ErrRestrictedXML, hdrLen},
		{"entity ref in the stream header", true, `<s:s xmlns:s='urn:s' a='&x;'>`, ErrRestrictedXML, 24},
		{"predefined names are case-sensitive", true, hdr + `<m>&LT;</m>`, ErrRestrictedXML, hdrLen + 3},
		{"entity ref in a namespace declaration", true, hdr + `<m xmlns:p='&ns;'/>`, ErrRestrictedXML, hdrLen + 12},
	} {
		refuse(t, c)
	}

	// The verdict needs nothing after "<!D": a reader that fails past it
	// is never read.
	boom := errors.New("read past <!D")
	for _, p := range []struct {
		stream bool
		before string
	}{
		{false, ""},
		{false, `<?xml version='1.0'?>`},
		{true, `<?xml version='1.0'?>` + hdr},
		{true, hdr + `<m/>`},
		{true, hdr + `<m><n>text`},
	} {
		for _, m := range scanModes {
			_, err := m.scan(io.MultiReader(strings.NewReader(p.before+"<!D"), &errReader{boom}), Options{Stream: p.stream})
			var e *Error
			if !errors.As(err, &e) || e.Condition != ErrRestrictedXML || e.Offset != int64(len(p.before)) {
				t.Errorf("%q<!D (%s): got %v, want restricted-xml at byte %d without reading further", p.before, m.name, err, len(p.before))
			}
		}
	}

	// One XML declaration before the root is not a processing
	// instruction; the five predefined entities are references.
	in, stream := passInput(t, "decl and stream")
	accept(t, "declaration before the stream header", stream, in, "")
	accept(t, "the five predefined entities", true, hdr+`<m a='&lt;&gt;&amp;&apos;&quot;'>&lt;&gt;&amp;&apos;&quot;</m>`,
		hdrTokens+`<{jabber:client}m| {}a="<>&'\"">`+"\n"+`"<>&'\""`+"\n</{jabber:client}m>\nEOF")
}

// Case 2: only XML 1.0 in UTF-8, declared at most once, before the
// root: other versions are not-well-formed, other encodings (declared,
// or shown by a byte order mark or NUL bytes) unsupported-encoding, a
// declaration anywhere else not-well-formed.
func TestSecurityCase02XMLDeclaration(t *testing.T) {
	for _, c := range failCases(t,
		"decl version 1.1", "decl without version", "decl uppercase", "decl junk", "decl not at start",
		"decl after header", "utf8 bom is a character",
		"encoding latin1", "encoding utf16", "utf16 bom be", "utf16 bom le", "utf16le", "utf16 without bom", "lone NUL") {
		refuse(t, c)
	}
	utf16be := func(s string) string {
		var b []byte
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u>>8), byte(u))
		}
		return string(b)
	}
	for _, c := range []failCase{
		{"version 2.0", false, `<?xml version='2.0'?><a/>`, ErrNotWellFormed, 0},
		{"mismatched quotes", false, `<?xml version="1.0' ?><a/>`, ErrNotWellFormed, 0},
		{"second declaration", true, `<?xml version='1.0'?><?xml version='1.0'?>` + hdr, ErrNotWellFormed, 21},
		{"declaration between stanzas", true, hdr + `<m/><?xml version='1.0'?>`, ErrNotWellFormed, hdrLen + 4},
		{"declaration inside a stanza", true, hdr + `<m><?xml version='1.0'?></m>`, ErrNotWellFormed, hdrLen + 3},
		{"encoding US-ASCII", true, `<?xml version='1.0' encoding='US-ASCII'?>` + hdr, ErrUnsupportedEncoding, 0},
		{"UTF-16 stream header with BOM", true, "\xFE\xFF" + utf16be(`<?xml version='1.0' encoding='UTF-16'?>`+hdr), ErrUnsupportedEncoding, 0},
		{"UTF-16 stream header without BOM", true, utf16be(hdr), ErrUnsupportedEncoding, 0},
		{"UCS-4 BOM", false, "\x00\x00\xFE\xFF\x00\x00\x00<", ErrUnsupportedEncoding, 0},
	} {
		refuse(t, c)
	}
	for _, in := range []string{
		`<?xml version='1.0' encoding='utf-8'?>` + hdr + `<m/>`,
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + hdr + `<m/>`,
		`<?xml version='1.0'?>` + hdr,
		hdr,
	} {
		accept(t, in, true, in, "")
	}
}

// Case 3: bytes a lenient parser would skip (invalid UTF-8, NUL) must
// not hide a '<' or a quote from the scanner: the input fails at the
// first invalid byte, nothing after it becomes a token, and quoting is
// exact, so this scanner and any other strict one see the same stanzas.
func TestSecurityCase03StanzaSmuggling(t *testing.T) {
	const smuggled = `<message to='admin@example.com' type='chat'><body>smuggled</body></message>`
	for _, c := range []struct {
		name, before, bad, after string
	}{
		// In text: the bad bytes swallow the '<' of </body> in a
		// decoder that resynchronises after a lead byte.
		{"lead byte eats '<' in text", `<message><body>hi`, "\xC3", `</body></message>` + smuggled},
		{"3-byte lead eats '<'", `<message><body>hi`, "\xE2\x82", `</body></message>` + smuggled},
		{"4-byte lead eats '<'", `<message><body>hi`, "\xF0\x9F\x98", `</body></message>` + smuggled},
		{"overlong '<' in text", `<message><body>hi`, "\xC0\xBC", `</body></message>` + smuggled},
		{"stray continuation byte", `<message><body>hi`, "\x80", `</body></message>` + smuggled},
		{"byte FF", `<message><body>hi`, "\xFF", `</body></message>` + smuggled},
		{"NUL", `<message><body>hi`, "\x00", `</body></message>` + smuggled},
		// In an attribute value: the bad bytes swallow the closing
		// quote, so a lenient parser ends the value at a later quote.
		{"lead byte eats the closing quote", `<message to='romeo@example.net`, "\xC3", `'/>` + smuggled + `<x a='`},
		{"3-byte lead eats the closing quote", `<message to="romeo@example.net`, "\xE2\x80", `"/>` + smuggled + `<x a="`},
		{"overlong quote", `<message to='romeo@example.net`, "\xC0\xA7", `'/>` + smuggled},
		// In a name: the bad byte swallows '>' or '/'.
		{"lead byte eats '>' of a name", `<message`, "\xC3", `>` + smuggled},
		{"lead byte eats '/' of an empty tag", `<message`, "\xD0", `/>` + smuggled},
	} {
		in := hdr + c.before + c.bad + c.after
		off := hdrLen + int64(len(c.before))
		refuse(t, failCase{c.name, true, in, ErrNotWellFormed, off})
		b := []byte(in)
		readers := []func() io.Reader{
			func() io.Reader { return bytes.NewReader(b) },
			func() io.Reader { return &chunkReader{data: b, sizes: []int{1}} },
		}
		for cut := 1; cut < len(b); cut++ {
			readers = append(readers, func() io.Reader { return splitReader(b, cut) })
		}
		// Without the bad bytes the stanza is there to see: the check
		// below can fail.
		if d := scanString(hdr+c.before+c.after, true); !strings.Contains(d, "admin") {
			t.Fatalf("%s: the control input hides the stanza:\n%s", c.name, d)
		}
		for _, r := range readers {
			s := NewScanner(r(), Options{Stream: true})
			if d := dumpTokens(s); strings.Contains(d, "admin") || strings.Contains(d, "smuggled") {
				t.Errorf("%s: the smuggled stanza became tokens:\n%s", c.name, d)
				break
			}
			s.Reset(r())
			if d := dumpNextElements(s, true); strings.Contains(d, "admin") || strings.Contains(d, "smuggled") {
				t.Errorf("%s: the smuggled stanza became an element:\n%s", c.name, d)
				break
			}
		}
	}

	// A value ended at the wrong quote would let the stanza after it
	// out; '<' is never data in a value, so it is refused at once.
	refuse(t, failCase{"stanza after the other quote", true, hdr + `<message to="a'/>` + smuggled + `<x a='"/>`, ErrNotWellFormed, hdrLen + 17})
	// Odd but valid quoting: the other quote is data, whatever the
	// reads; there is no type attribute here.
	in := `<message to="a' type='groupchat" id='x"y'><body>hi</body></message>`
	accept(t, "other quote inside a value", true, hdr+in, hdrTokens+
		`<{jabber:client}message| {}to="a' type='groupchat" {}id="x\"y">`+"\n"+
		`<{jabber:client}body|>`+"\n"+`"hi"`+"\n</{jabber:client}body>\n</{jabber:client}message>\nEOF")
	e := firstUnit(t, in)
	if _, ok := e.Root().Attr("", "type"); ok || e.Root().NumAttrs() != 2 {
		t.Errorf("other quote inside a value: %d attributes, type present: %v", e.Root().NumAttrs(), ok)
	}
}

// Case 4: strict UTF-8 everywhere: a lead byte followed by markup,
// overlong forms, encoded surrogates, code points above U+10FFFF and
// the bytes F5-FF are not-well-formed at the first byte of the
// sequence, in names, attribute values, text and CDATA alike. A valid
// sequence split across reads is accepted.
func TestSecurityCase04MalformedUTF8(t *testing.T) {
	for _, c := range failCases(t,
		"lead byte then lt", "lead byte then quote", "lead byte in name then gt", "4-byte lead then slash",
		"overlong slash", "overlong lt", "overlong 3-byte", "surrogate", "above U+10FFFF", "byte F5", "byte FF",
		"stray continuation", "U+FFFE", "U+FFFF in attr", "truncated at eof", "bad utf8 in cdata",
		"eof inside character in stream-level text") {
		refuse(t, c)
	}

	// Every place a character can be, with every kind of bad sequence.
	places := []struct {
		name          string
		stream        bool
		before, after string
	}{
		{"element name", true, hdr + `<m`, `/>`},
		{"attribute name", true, hdr + `<m a`, `='1'/>`},
		{"attribute value", true, hdr + `<m a='`, `'/>`},
		{"text", true, hdr + `<m>`, `</m>`},
		{"CDATA", true, hdr + `<m><![CDATA[`, `]]></m>`},
		{"stream header value", true, `<s:s xmlns:s='urn:s' id='`, `'>`},
		{"document text", false, `<a>`, `</a>`},
	}
	var bad []string
	for _, lead := range []string{"\xC3", "\xE2", "\xE2\x82", "\xF0", "\xF0\x9F", "\xF0\x9F\x98"} {
		for _, next := range []string{"<", ">", "'", `"`, "/"} {
			bad = append(bad, lead+next)
		}
	}
	bad = append(bad,
		"\xC0\xBC", "\xC1\xBF", "\xE0\x80\xBC", "\xE0\x9F\xBF", "\xF0\x80\x80\xBC", "\xF0\x8F\xBF\xBF", // overlong
		"\xED\xA0\x80", "\xED\xBF\xBF", // surrogates
		"\xF4\x90\x80\x80", // above U+10FFFF
		"\x80", "\xBF")     // stray continuations
	for b := 0xF5; b <= 0xFF; b++ {
		bad = append(bad, string([]byte{byte(b), 'a'}))
	}
	for _, p := range places {
		for _, seq := range bad {
			refuse(t, failCase{fmt.Sprintf("%s with % X", p.name, seq), p.stream, p.before + seq + p.after,
				ErrNotWellFormed, int64(len(p.before))})
		}
	}

	// Two-, three- and four-byte characters in every place, read whole,
	// one byte per read and split at every offset: the same tokens.
	in := hdr + "<m\u00e9 a\u20ac='\U0001F600\u00e9' xmlns:p\u00e9='urn:\u20ac'><p\u00e9:x>\u00e9\u20ac\U0001F600<![CDATA[\U0001F600\u20ac]]></p\u00e9:x></m\u00e9>"
	accept(t, "valid characters split across reads", true, in, hdrTokens+
		"<{jabber:client}m\u00e9| {}a\u20ac=\"\U0001F600\u00e9\" {http://www.w3.org/2000/xmlns/}p\u00e9=\"urn:\u20ac\">\n"+
		"<{urn:\u20ac}x|p\u00e9>\n"+
		"\"\u00e9\u20ac\U0001F600\"\n"+
		"\"\U0001F600\u20ac\"\n"+
		"</{urn:\u20ac}x>\n"+
		"</{jabber:client}m\u00e9>\nEOF")
	in, stream := passInput(t, "non-ascii names and text")
	accept(t, "non-ascii names and text", stream, in, "")
}

// Case 5: character references are checked like characters: to a
// non-Char, or with a digit string that overflows (however it would
// wrap), they are not-well-formed. A reference to '<' is data, never
// markup.
func TestSecurityCase05CharacterReferences(t *testing.T) {
	for _, c := range failCases(t,
		"char ref to NUL", "char ref to surrogate", "char ref to FFFE", "char ref above max",
		"char ref overflow", "empty char ref", "char ref bad digit") {
		refuse(t, c)
	}
	for _, c := range []failCase{
		{"hex wrapping to 'A' in 32 bits", true, hdr + `<m>&#x100000041;</m>`, ErrNotWellFormed, hdrLen + 3},
		{"decimal wrapping to 'A' in 32 bits", true, hdr + `<m>&#4294967361;</m>`, ErrNotWellFormed, hdrLen + 3},
		{"hex wrapping to 'A' in 64 bits", true, hdr + `<m>&#x10000000000000041;</m>`, ErrNotWellFormed, hdrLen + 3},
		{"decimal wrapping to '<' in 64 bits", true, hdr + `<m>&#18446744073709551676;</m>`, ErrNotWellFormed, hdrLen + 3},
		{"NUL in an attribute", true, hdr + `<m a='&#0;'/>`, ErrNotWellFormed, hdrLen + 6},
		{"low surrogate in an attribute", true, hdr + `<m a='&#xDFFF;'/>`, ErrNotWellFormed, hdrLen + 6},
		{"control character in an attribute", true, hdr + `<m a='&#x1;'/>`, ErrNotWellFormed, hdrLen + 6},
		{"control character in text", true, hdr + `<m>&#x1F;</m>`, ErrNotWellFormed, hdrLen + 3},
		{"U+FFFF in text", true, hdr + `<m>&#xFFFF;</m>`, ErrNotWellFormed, hdrLen + 3},
		{"NUL in the stream header", true, `<s:s xmlns:s='urn:s' id='&#0;'>`, ErrNotWellFormed, 25},
		{"NUL in a namespace name", true, hdr + `<m xmlns:p='urn:&#0;'/>`, ErrNotWellFormed, hdrLen + 16},
	} {
		refuse(t, c)
	}

	in, stream := passInput(t, "max char refs")
	accept(t, "max char refs", stream, in, "")
	// &#x3C; and &#60; are '<' as data: no element, however the reads
	// fall.
	body := `<message a='&#x3C;iq/&#x3E;'><body>&#x3C;/body&#x3E;&#60;iq type='set'/&#62;</body></message>`
	accept(t, "references to markup characters", true, hdr+body, hdrTokens+
		`<{jabber:client}message| {}a="<iq/>">`+"\n"+
		`<{jabber:client}body|>`+"\n"+
		`"</body><iq type='set'/>"`+"\n"+
		"</{jabber:client}body>\n</{jabber:client}message>\nEOF")
	e := firstUnit(t, body)
	b := e.Root().ChildLocal("body")
	if c := b.FirstChild(); !c.IsText() || c.NextSibling().Valid() || string(c.AppendText(nil)) != `</body><iq type='set'/>` {
		t.Errorf("references to markup characters: body is %s", e.Raw())
	}
}

// Case 6: an element's or attribute's namespace name and local name
// are kept apart, never joined with a separator, so a separator-like
// character inside a namespace name cannot forge another name (expat
// CVE-2022-25236), and names equal only when joined are not duplicates.
func TestSecurityCase06NamespaceSeparator(t *testing.T) {
	const streams = "http://etherx.jabber.org/streams"
	for _, sep := range []string{" ", "|", "}", "#", ":", "/", "!", "\u00ff", "\uFFFD", "\t"} {
		norm := sep
		if sep == "\t" {
			norm = " " // attribute-value normalisation applies to xmlns too
		}
		// {streams+sep}error is not {streams}error.
		e := firstUnit(t, `<error xmlns='`+streams+sep+`'/>`)
		n := e.Root().Name()
		if string(n.Space) != streams+norm || string(n.Local) != "error" || e.Root().Is(streams, "error") {
			t.Errorf("separator %q: element {%s}%s, Is(streams, error) %v", sep, n.Space, n.Local, e.Root().Is(streams, "error"))
		}
		// {streams+sep+"error"}x is neither {streams}error nor
		// {streams}"error"+sep+"x".
		e = firstUnit(t, `<p:x xmlns:p='`+streams+sep+`error'/>`)
		n = e.Root().Name()
		if string(n.Space) != streams+norm+"error" || string(n.Local) != "x" || string(n.Prefix) != "p" ||
			e.Root().Is(streams, "error") || e.Root().Is(streams, "error"+sep+"x") {
			t.Errorf("separator %q: element {%s}%s", sep, n.Space, n.Local)
		}
		// The same for an attribute.
		e = firstUnit(t, `<m xmlns:p='urn:a`+sep+`b' p:c='1'/>`)
		if an := e.Root().AttrAt(1).Name(); string(an.Space) != "urn:a"+norm+"b" || string(an.Local) != "c" {
			t.Errorf("separator %q: attribute {%s}%s", sep, an.Space, an.Local)
		}
		if _, ok := e.Root().Attr("urn:a", "b"); ok {
			t.Errorf("separator %q: {urn:a%sb}c found as {urn:a}b", sep, sep)
		}
		if _, ok := e.Root().Attr("urn:a"+norm+"b", "c"); !ok {
			t.Errorf("separator %q: {urn:a%sb}c not found", sep, sep)
		}
	}

	// Names that are equal only once namespace and local name are
	// joined are different attributes; equal expanded names are
	// duplicates whatever the prefixes.
	for _, in := range []string{
		`<m xmlns:p='urn:ab' xmlns:q='urn:a' p:c='1' q:bc='2'/>`,
		`<m xmlns:p='urn:a b' xmlns:q='urn:a' p:c='1' q:c='2'/>`,
		`<m xmlns:p='urn:a:' xmlns:q='urn:a' p:b='1' q:b='2'/>`,
		`<m xmlns='urn:x' xmlns:p='urn:x' a='1' p:a='2'/>`, // the default namespace does not apply to attributes
	} {
		accept(t, in, true, hdr+in, "")
	}
	for _, c := range failCases(t, "duplicate after expansion") {
		refuse(t, c)
	}
	refuse(t, failCase{"duplicate with three prefixes", true, hdr + `<m xmlns:p='urn:a' xmlns:q='urn:a' xmlns:r='urn:a' p:b='1' r:b='2'/>`, ErrNotWellFormed, hdrLen + 59})
}

// Case 7: Namespaces in XML allows one colon in a name, between a
// non-empty prefix and a non-empty local part: anything else is
// not-well-formed, in element names, attribute names, end tags and
// namespace declarations.
func TestSecurityCase07QualifiedNames(t *testing.T) {
	for _, c := range failCases(t,
		"name a:b:c", "name ::E", "name x::E", "attr named colon", "attr local digit", "trailing colon") {
		refuse(t, c)
	}
	for _, c := range []failCase{
		{"element name :E", true, hdr + `<:E/>`, ErrNotWellFormed, hdrLen + 1},
		{"attribute a:b:c", true, hdr + `<m xmlns:a='u' a:b:c='1'/>`, ErrNotWellFormed, hdrLen + 15},
		{"attribute ::", true, hdr + `<m ::='1'/>`, ErrNotWellFormed, hdrLen + 3},
		{"attribute x:", true, hdr + `<m xmlns:x='u' x:='1'/>`, ErrNotWellFormed, hdrLen + 16},
		{"attribute :a", true, hdr + `<m :a='1'/>`, ErrNotWellFormed, hdrLen + 3},
		{"end tag a:b:c", true, hdr + `<a:b xmlns:a='u'></a:b:c>`, ErrNotWellFormed, hdrLen + 17},
		{"declaration xmlns:a:b", true, hdr + `<m xmlns:a:b='u'/>`, ErrNotWellFormed, hdrLen + 3},
		{"stream header a:b:c", true, `<s:s:s xmlns:s='urn:s'>`, ErrNotWellFormed, 1},
	} {
		refuse(t, c)
	}
	accept(t, "one colon", true, hdr+`<a:b xmlns:a='u' a:c='1'></a:b>`, hdrTokens+
		`<{u}b|a {http://www.w3.org/2000/xmlns/}a="u" {u}c="1">`+"\n</{u}b>\nEOF")
}

// Case 8: namespace-well-formedness: undeclared prefixes, a prefix
// bound to the empty name, the xml and xmlns prefixes and namespaces
// misused, and attributes equal after expansion are not-well-formed.
func TestSecurityCase08NamespaceWellFormedness(t *testing.T) {
	for _, c := range failCases(t,
		"undeclared element prefix", "undeclared attr prefix", "prefix bound to empty", "rebind xml", "bind xmlns",
		"other prefix to xml ns", "default to xmlns ns", "element prefix xmlns", "duplicate after expansion",
		"duplicate xmlns", "prefix out of scope") {
		refuse(t, c)
	}
	for _, c := range []failCase{
		{"xml:lang twice", true, hdr + `<m xml:lang='en' xml:lang='fr'/>`, ErrNotWellFormed, hdrLen + 17},
		{"empty binding in a child", true, hdr + `<m><n xmlns:p=''/></m>`, ErrNotWellFormed, hdrLen + 6},
		{"prefix out of scope in the next stanza", true, hdr + `<m xmlns:p='urn:p'/><p:n/>`, ErrNotWellFormed, hdrLen + 21},
		{"undeclared prefix on the stream header", true, `<stream:stream xmlns='jabber:client'>`, ErrNotWellFormed, 1},
		{"two default namespaces on the stream header", true, `<s:s xmlns:s='urn:s' xmlns='jabber:client' xmlns='jabber:server'>`, ErrNotWellFormed, 43},
	} {
		refuse(t, c)
	}
	for _, name := range []string{"xml prefix may be declared", "declaration after use in same tag", "same prefix different uri", "namespaces"} {
		in, stream := passInput(t, name)
		accept(t, name, stream, in, "")
	}
	accept(t, "the xml prefix needs no declaration", true, hdr+`<m xml:lang='en'/>`, hdrTokens+
		`<{jabber:client}m| {http://www.w3.org/XML/1998/namespace}lang="en"/>`+"\n</{jabber:client}m>\nEOF")
}

// Case 12: nesting is bounded by Limits.MaxDepth (a million open tags
// stop at the 65th), and the scanner keeps its open elements in a
// slice, not on the goroutine stack: with the limit raised, a million
// levels are scanned with the call stack as shallow as at depth one.
func TestSecurityCase12DeepNesting(t *testing.T) {
	deep := hdr + strings.Repeat(`<a>`, 1000000)
	for _, m := range scanModes {
		s, err := m.scan(strings.NewReader(deep), Options{Stream: true})
		wantPolicy(t, "a million open tags ("+m.name+")", err, hdrLen+3*DefaultMaxDepth, "MaxDepth")
		if s.BufferCap() > 1<<20 {
			t.Errorf("a million open tags (%s): buffer grew to %d bytes", m.name, s.BufferCap())
		}
	}
	refuse(t, failCase{"65 levels", true, hdr + strings.Repeat(`<a>`, 65) + strings.Repeat(`</a>`, 65), ErrPolicyViolation, hdrLen + 3*64})

	// The call stack is measured in the reader, which the scanner calls
	// from its deepest frame: it must not grow with the nesting.
	for _, c := range []struct {
		mode  int // index in scanModes
		depth int
	}{
		{0, 1000000},
		{1, 100000}, // an Element of a million nodes is memory this test need not spend
		{2, 100000},
	} {
		in := []byte(hdr + strings.Repeat(`<a>`, c.depth) + strings.Repeat(`</a>`, c.depth))
		r := &stackReader{r: &chunkReader{data: in, sizes: []int{127}}}
		_, err := scanModes[c.mode].scan(r, Options{Stream: true, Limits: Limits{MaxDepth: c.depth + 1, MaxStanzaBytes: len(in)}})
		if err != nil {
			t.Errorf("%d levels (%s): %v", c.depth, scanModes[c.mode].name, err)
		}
		t.Logf("%d levels (%s): %d reads, frames %d..%d", c.depth, scanModes[c.mode].name, r.reads, r.minFrames, r.maxFrames)
		if r.reads < len(in)/127 || r.maxFrames > r.minFrames+8 {
			t.Errorf("%d levels (%s): %d reads, the call stack grew from %d to %d frames", c.depth, scanModes[c.mode].name, r.reads, r.minFrames, r.maxFrames)
		}
	}
}

// stackReader records how deep in the call stack it is read from.
type stackReader struct {
	r                    io.Reader
	reads                int
	minFrames, maxFrames int
	pcs                  [1024]uintptr
}

func (r *stackReader) Read(p []byte) (int, error) {
	n := runtime.Callers(1, r.pcs[:])
	if r.reads == 0 || n < r.minFrames {
		r.minFrames = n
	}
	r.maxFrames = max(r.maxFrames, n)
	r.reads++
	return r.r.Read(p)
}

// Case 13: a start tag with 100k attributes stops at Limits.MaxAttrs; a
// 1 MiB attribute value fed one byte per read stops at
// Limits.MaxStanzaBytes with the buffer bounded (time is a benchmark's
// business, not a test's). Duplicate attributes are found without a map keyed by
// attacker-chosen names: names built to collide in the scanner's filter
// are still bounded by the attribute cap.
func TestSecurityCase13AttributeFloods(t *testing.T) {
	flood := hdr + `<m` + strings.Repeat(` a='1'`, 100000) + `/>`
	for _, m := range scanModes {
		_, err := m.scan(strings.NewReader(flood), Options{Stream: true})
		wantPolicy(t, "100k attributes ("+m.name+")", err, hdrLen+2+6*DefaultMaxAttrs+1, "MaxAttrs")
	}
	var distinct strings.Builder
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&distinct, ` a%06dz='1'`, i) // same length, first and last byte: one filter key
	}
	for _, m := range scanModes {
		_, err := m.scan(strings.NewReader(hdr+`<m`+distinct.String()+`/>`), Options{Stream: true})
		wantPolicy(t, "100k colliding attribute names ("+m.name+")", err, hdrLen+2+13*DefaultMaxAttrs+1, "MaxAttrs")
	}
	at := distinct.String()[:13*DefaultMaxAttrs]
	for _, m := range scanModes {
		for _, r := range []io.Reader{strings.NewReader(hdr + `<m` + at + `/>`), &chunkReader{data: []byte(hdr + `<m` + at + `/>`), sizes: []int{1}}} {
			if _, err := m.scan(r, Options{Stream: true}); err != nil {
				t.Errorf("128 colliding attribute names (%s): %v", m.name, err)
			}
		}
	}
	if n := firstUnit(t, `<m`+at+`/>`).Root().NumAttrs(); n != DefaultMaxAttrs {
		t.Errorf("128 colliding attribute names: %d attributes", n)
	}
	refuse(t, failCase{"a duplicate among colliding names", true, hdr + `<m` + at[:13*20] + ` a000012z='2'/>`, ErrNotWellFormed, hdrLen + 2 + 13*20 + 1})

	const limit = 64 << 10
	value := hdr + `<m a='` + strings.Repeat("v", 1<<20) + `'/>`
	for _, m := range scanModes {
		s, err := m.scan(&chunkReader{data: []byte(value), sizes: []int{1}}, Options{Stream: true, Limits: Limits{MaxStanzaBytes: limit}})
		wantPolicy(t, "1 MiB attribute value one byte per read ("+m.name+")", err, hdrLen+limit, "MaxStanzaBytes")
		if s.BufferCap() > 4*limit {
			t.Errorf("1 MiB attribute value (%s): buffer grew to %d bytes", m.name, s.BufferCap())
		}
	}
}
