package fastxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// hdr opens a stream for stream-mode cases; its length is hdrLen, so
// offsets in the tables below read as "hdrLen+N".
const hdr = `<s:s xmlns:s='urn:s' xmlns='jabber:client'>`

var hdrLen = int64(len(hdr))

type failCase struct {
	name   string
	stream bool
	in     string
	cond   Condition
	off    int64 // offset of the offending byte
}

// mustFail is the table of inputs that must be refused, by condition,
// with the offset each error must report however the input is split.
var mustFail = []failCase{
	// restricted-xml: RFC 6120 §11.1, wherever it appears.
	{"comment", true, hdr + `<m><!-- hi --></m>`, ErrRestrictedXML, hdrLen + 3},
	{"comment before root", false, `<!-- c --><a/>`, ErrRestrictedXML, 0},
	{"comment after root", false, `<a/><!-- c -->`, ErrRestrictedXML, 4},
	{"comment after stream end", true, hdr + `</s:s><!--x-->`, ErrRestrictedXML, hdrLen + 6},
	{"doctype at <!D", false, `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`, ErrRestrictedXML, 0},
	{"doctype inside", true, hdr + `<m><!DOCTYPE`, ErrRestrictedXML, hdrLen + 3},
	{"billion laughs stops at <!D", false, `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>`, ErrRestrictedXML, 21},
	{"pi", true, hdr + `<m><?php echo 1 ?></m>`, ErrRestrictedXML, hdrLen + 3},
	{"pi before root", false, `<?xml-stylesheet href='a'?><a/>`, ErrRestrictedXML, 0},
	{"pi after stream end", true, hdr + `</s:s> <?x?>`, ErrRestrictedXML, hdrLen + 7},
	{"entity ref in text", true, hdr + `<m>&nbsp;</m>`, ErrRestrictedXML, hdrLen + 3},
	{"entity ref in attr", true, hdr + `<m a='&foo;'/>`, ErrRestrictedXML, hdrLen + 6},
	{"entity ref long name", true, hdr + `<m>&abcdefghijklmnopqrstuvwxyz;</m>`, ErrRestrictedXML, hdrLen + 3},

	// not-well-formed: syntax.
	{"mismatched end", true, hdr + `<m><b></c></m>`, ErrNotWellFormed, hdrLen + 6},
	{"end tag prefix differs", true, hdr + `<s:x></x>`, ErrNotWellFormed, hdrLen + 5},
	{"stray end tag", false, `</a>`, ErrNotWellFormed, 0},
	{"lt in attr", true, hdr + `<m a='<'/>`, ErrNotWellFormed, hdrLen + 6},
	{"unquoted attr", true, hdr + `<m a=b/>`, ErrNotWellFormed, hdrLen + 5},
	{"attr without value", true, hdr + `<m a/>`, ErrNotWellFormed, hdrLen + 4},
	{"attrs not separated", true, hdr + `<m a='1'b='2'/>`, ErrNotWellFormed, hdrLen + 8},
	{"duplicate attr", true, hdr + `<m a='1' a='2'/>`, ErrNotWellFormed, hdrLen + 9},
	{"cdata end in text", true, hdr + `<m>a]]>b</m>`, ErrNotWellFormed, hdrLen + 4},
	{"bare ampersand", true, hdr + `<m>a & b</m>`, ErrNotWellFormed, hdrLen + 5},
	{"unterminated ref", true, hdr + `<m>&amp b</m>`, ErrNotWellFormed, hdrLen + 7},
	{"empty char ref", true, hdr + `<m>&#;</m>`, ErrNotWellFormed, hdrLen + 5},
	{"char ref to NUL", true, hdr + `<m>&#0;</m>`, ErrNotWellFormed, hdrLen + 3},
	{"char ref to surrogate", true, hdr + `<m>&#xD800;</m>`, ErrNotWellFormed, hdrLen + 3},
	{"char ref to FFFE", true, hdr + `<m>&#xFFFE;</m>`, ErrNotWellFormed, hdrLen + 3},
	{"char ref above max", true, hdr + `<m>&#x110000;</m>`, ErrNotWellFormed, hdrLen + 3},
	{"char ref overflow", true, hdr + `<m>&#99999999999999999999;</m>`, ErrNotWellFormed, hdrLen + 3},
	{"char ref bad digit", true, hdr + `<m>&#12a;</m>`, ErrNotWellFormed, hdrLen + 7},
	{"control char in text", true, hdr + "<m>\x01</m>", ErrNotWellFormed, hdrLen + 3},
	{"control char in attr", true, hdr + "<m a='\x1f'/>", ErrNotWellFormed, hdrLen + 6},
	{"nul in text", true, hdr + "<m>a\x00</m>", ErrNotWellFormed, hdrLen + 4},
	{"lt space", true, hdr + `< m/>`, ErrNotWellFormed, hdrLen + 1},
	{"name starts with digit", true, hdr + `<1m/>`, ErrNotWellFormed, hdrLen + 1},
	{"bang junk", true, hdr + `<m><!x></m>`, ErrNotWellFormed, hdrLen + 5},
	{"bad cdata open", true, hdr + `<m><![CDATA(x]]></m>`, ErrNotWellFormed, hdrLen + 11},
	{"text before root", false, `x<a/>`, ErrNotWellFormed, 0},
	{"text after root", false, `<a/>x`, ErrNotWellFormed, 4},
	{"second root", false, `<a/><b/>`, ErrNotWellFormed, 4},
	{"element after stream end", true, hdr + `</s:s><m/>`, ErrNotWellFormed, hdrLen + 6},
	{"text after stream end", true, hdr + `</s:s>x`, ErrNotWellFormed, hdrLen + 6},
	{"eof in stanza", true, hdr + `<m><b>`, ErrNotWellFormed, hdrLen + 6},
	{"eof in tag", true, hdr + `<m a='1`, ErrNotWellFormed, hdrLen + 7},
	{"eof before header complete", true, `<s:s xmlns:s='urn:s'`, ErrNotWellFormed, 20},
	{"empty input", true, ``, ErrNotWellFormed, 0},
	{"whitespace only", false, "  \n", ErrNotWellFormed, 3},
	{"eof in document", false, `<a><b/>`, ErrNotWellFormed, 7},
	// Found by FuzzChunking: a reference cut by the end of input in text
	// directly inside the stream root panicked when the text was decoded.
	{"eof inside reference in stream-level text", true, hdr + `&`, ErrNotWellFormed, hdrLen + 1},
	{"eof inside character in stream-level text", true, hdr + "a\xC3", ErrNotWellFormed, hdrLen + 2},
	{"eof in cdata", true, hdr + `<m><![CDATA[abc`, ErrNotWellFormed, hdrLen + 15},
	{"slash junk", true, hdr + `<m/ >`, ErrNotWellFormed, hdrLen + 3},
	{"end tag junk", true, hdr + `<m></m x>`, ErrNotWellFormed, hdrLen + 7},
	{"decl not at start", false, ` <?xml version='1.0'?><a/>`, ErrNotWellFormed, 1},
	{"decl after header", true, hdr + `<?xml version='1.0'?>`, ErrNotWellFormed, hdrLen},
	{"decl uppercase", false, `<?XML version='1.0'?><a/>`, ErrNotWellFormed, 0},
	{"decl without version", false, `<?xml encoding='UTF-8'?><a/>`, ErrNotWellFormed, 0},
	{"decl version 1.1", false, `<?xml version='1.1'?><a/>`, ErrNotWellFormed, 0},
	{"decl junk", false, `<?xml version='1.0' foo='bar'?><a/>`, ErrNotWellFormed, 0},
	{"decl standalone bad", false, `<?xml version='1.0' standalone='maybe'?><a/>`, ErrNotWellFormed, 0},
	{"decl with lt", false, `<?xml version='1.0'<a/>`, ErrNotWellFormed, 19},
	{"utf8 bom is a character", false, "\xEF\xBB\xBF<a/>", ErrNotWellFormed, 0},

	// not-well-formed: strict UTF-8 (expat CVE-2022-25235 family).
	{"lead byte then lt", true, hdr + "<m>\xC3<b/></m>", ErrNotWellFormed, hdrLen + 3},
	{"lead byte then quote", true, hdr + "<m a='\xE2'/>", ErrNotWellFormed, hdrLen + 6},
	{"lead byte in name then gt", true, hdr + "<m\xC3>", ErrNotWellFormed, hdrLen + 2},
	{"4-byte lead then slash", true, hdr + "<m>\xF0\x9F/</m>", ErrNotWellFormed, hdrLen + 3},
	{"overlong slash", true, hdr + "<m>\xC0\xAF</m>", ErrNotWellFormed, hdrLen + 3},
	{"overlong lt", true, hdr + "<m>\xC0\xBC</m>", ErrNotWellFormed, hdrLen + 3},
	{"overlong 3-byte", true, hdr + "<m>\xE0\x80\xAF</m>", ErrNotWellFormed, hdrLen + 3},
	{"surrogate", true, hdr + "<m>\xED\xA0\x80</m>", ErrNotWellFormed, hdrLen + 3},
	{"above U+10FFFF", true, hdr + "<m>\xF4\x90\x80\x80</m>", ErrNotWellFormed, hdrLen + 3},
	{"byte F5", true, hdr + "<m>\xF5</m>", ErrNotWellFormed, hdrLen + 3},
	{"byte FF", true, hdr + "<m>\xFF</m>", ErrNotWellFormed, hdrLen + 3},
	{"stray continuation", true, hdr + "<m>\x80</m>", ErrNotWellFormed, hdrLen + 3},
	{"U+FFFE", true, hdr + "<m>\xEF\xBF\xBE</m>", ErrNotWellFormed, hdrLen + 3},
	{"U+FFFF in attr", true, hdr + "<m a='\xEF\xBF\xBF'/>", ErrNotWellFormed, hdrLen + 6},
	{"truncated at eof", true, hdr + "<m>\xE2\x82", ErrNotWellFormed, hdrLen + 5},
	{"bad utf8 in cdata", true, hdr + "<m><![CDATA[\xC3(]]></m>", ErrNotWellFormed, hdrLen + 12},

	// not-well-formed: Namespaces in XML (golang/go#8068, expat CVE-2018-20843).
	{"undeclared element prefix", true, hdr + `<p:m/>`, ErrNotWellFormed, hdrLen + 1},
	{"undeclared attr prefix", true, hdr + `<m p:a='1'/>`, ErrNotWellFormed, hdrLen + 3},
	{"prefix bound to empty", true, hdr + `<m xmlns:p=''/>`, ErrNotWellFormed, hdrLen + 3},
	{"rebind xml", true, hdr + `<m xmlns:xml='urn:x'/>`, ErrNotWellFormed, hdrLen + 3},
	{"bind xmlns", true, hdr + `<m xmlns:xmlns='urn:x'/>`, ErrNotWellFormed, hdrLen + 3},
	{"other prefix to xml ns", true, hdr + `<m xmlns:p='http://www.w3.org/XML/1998/namespace'/>`, ErrNotWellFormed, hdrLen + 3},
	{"default to xmlns ns", true, hdr + `<m xmlns='http://www.w3.org/2000/xmlns/'/>`, ErrNotWellFormed, hdrLen + 3},
	{"element prefix xmlns", true, hdr + `<xmlns:m/>`, ErrNotWellFormed, hdrLen + 1},
	{"duplicate after expansion", true, hdr + `<m xmlns:p='urn:x' xmlns:q='urn:x' p:a='1' q:a='2'/>`, ErrNotWellFormed, hdrLen + 43},
	{"duplicate xmlns", true, hdr + `<m xmlns='a' xmlns='b'/>`, ErrNotWellFormed, hdrLen + 13},
	{"name a:b:c", true, hdr + `<a:b:c xmlns:a='u'/>`, ErrNotWellFormed, hdrLen + 1},
	{"name ::E", true, hdr + `<::E/>`, ErrNotWellFormed, hdrLen + 1},
	{"name x::E", true, hdr + `<x::E/>`, ErrNotWellFormed, hdrLen + 1},
	{"attr named colon", true, hdr + `<m :='1'/>`, ErrNotWellFormed, hdrLen + 3},
	{"attr local digit", true, hdr + `<m xmlns:p='u' p:1='1'/>`, ErrNotWellFormed, hdrLen + 17},
	{"trailing colon", true, hdr + `<m: xmlns:m='u'/>`, ErrNotWellFormed, hdrLen + 2},
	{"prefix out of scope", true, hdr + `<m><a xmlns:p='u'/><p:b/></m>`, ErrNotWellFormed, hdrLen + 20},

	// unsupported-encoding: RFC 6120 §11.6.
	{"encoding latin1", false, `<?xml version='1.0' encoding='ISO-8859-1'?><a/>`, ErrUnsupportedEncoding, 0},
	{"encoding utf16", true, `<?xml version="1.0" encoding="UTF-16"?>` + hdr, ErrUnsupportedEncoding, 0},
	{"utf16 bom be", false, "\xFE\xFF\x00<\x00a\x00/\x00>", ErrUnsupportedEncoding, 0},
	{"utf16 bom le", false, "\xFF\xFE<\x00a\x00/\x00>\x00", ErrUnsupportedEncoding, 0},
	// Found by FuzzChunking: a lone first byte gave a different error
	// when it arrived alone.
	{"lone NUL", false, "\x00", ErrUnsupportedEncoding, 0},
	{"lone FE", false, "\xFE", ErrNotWellFormed, 0},
	{"NUL second byte after text", false, "0\x00", ErrNotWellFormed, 0},
	{"utf16le", false, "<\x00a\x00", ErrUnsupportedEncoding, 0},
	{"utf16 without bom", false, "\x00<\x00a\x00/\x00>", ErrUnsupportedEncoding, 0},
}

// mustPass holds inputs that are accepted, with the exact tokens for
// some of them.
var mustPass = []struct {
	name   string
	stream bool
	in     string
	want   string // dumpTokens output; "" to check only acceptance
}{
	{"decl and stream", true, `<?xml version='1.0' encoding="utf-8" standalone='no' ?>` + hdr + `</s:s>`, `<{urn:s}s|s {http://www.w3.org/2000/xmlns/}s="urn:s" {http://www.w3.org/2000/xmlns/}xmlns="jabber:client">
</{urn:s}s>
EOF`},
	{"whitespace between stanzas yields nothing", true, hdr + " \n\t <m/> \r\n <m/>  ", `<{urn:s}s|s {http://www.w3.org/2000/xmlns/}s="urn:s" {http://www.w3.org/2000/xmlns/}xmlns="jabber:client">
<{jabber:client}m|/>
</{jabber:client}m>
<{jabber:client}m|/>
</{jabber:client}m>
EOF`},
	{"entities and char refs decoded", true, hdr + `<m a='&lt;&#x3C;&#60;&amp;&apos;&quot;&gt;'>&lt;&#x3C;&#60;&amp;&apos;&quot;&gt;</m>`, `<{urn:s}s|s {http://www.w3.org/2000/xmlns/}s="urn:s" {http://www.w3.org/2000/xmlns/}xmlns="jabber:client">
<{jabber:client}m| {}a="<<<&'\">">
"<<<&'\">"
</{jabber:client}m>
EOF`},
	{"attribute normalisation", true, hdr + "<m a='x\ty\nz\r\nw\rv&#10;u&#9;'/>", `<{urn:s}s|s {http://www.w3.org/2000/xmlns/}s="urn:s" {http://www.w3.org/2000/xmlns/}xmlns="jabber:client">
<{jabber:client}m| {}a="x y z w v\nu\t"/>
</{jabber:client}m>
EOF`},
	{"text line ends", true, hdr + "<m>a\r\nb\rc\nd</m>", `<{urn:s}s|s {http://www.w3.org/2000/xmlns/}s="urn:s" {http://www.w3.org/2000/xmlns/}xmlns="jabber:client">
<{jabber:client}m|>
"a\nb\nc\nd"
</{jabber:client}m>
EOF`},
	{"cdata", true, hdr + "<m><![CDATA[<x>&amp;]]]]><![CDATA[>\r\n]]></m>", `<{urn:s}s|s {http://www.w3.org/2000/xmlns/}s="urn:s" {http://www.w3.org/2000/xmlns/}xmlns="jabber:client">
<{jabber:client}m|>
"<x>&amp;]]"
">\n"
</{jabber:client}m>
EOF`},
	{"namespaces", true, hdr + `<m xmlns:p='urn:p' p:a='1' a='2' xml:lang='en'><p:x xmlns='' b='3'><y/></p:x><z xmlns='urn:z'/></m>`, `<{urn:s}s|s {http://www.w3.org/2000/xmlns/}s="urn:s" {http://www.w3.org/2000/xmlns/}xmlns="jabber:client">
<{jabber:client}m| {http://www.w3.org/2000/xmlns/}p="urn:p" {urn:p}a="1" {}a="2" {http://www.w3.org/XML/1998/namespace}lang="en">
<{urn:p}x|p {http://www.w3.org/2000/xmlns/}xmlns="" {}b="3">
<{}y|/>
</{}y>
</{urn:p}x>
<{urn:z}z| {http://www.w3.org/2000/xmlns/}xmlns="urn:z"/>
</{urn:z}z>
</{jabber:client}m>
EOF`},
	{"declaration after use in same tag", true, hdr + `<p:m p:a='1' xmlns:p='urn:p'/>`, ""},
	{"same prefix different uri", true, hdr + `<m xmlns:p='urn:x' p:a='1'><n xmlns:p='urn:y' p:a='2'/></m>`, ""},
	{"xml prefix may be declared", true, hdr + `<m xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='en'/>`, ""},
	{"non-ascii names and text", true, hdr + "<m a\u00e9='\u00fc'><\u65e5\u672c>\u3053\u3093\U0001F600</\u65e5\u672c></m>", ""},
	{"ascii symbols in text", true, hdr + `<m>!"#$%'()*+,-./:;=>?@[\]^_{|}~ ] ]] >]</m>`, ""},
	{"spaces in tags", true, hdr + "<m  a = '1'\n\tb\r\n=\"2\" ></m \n>", ""},
	{"gt and quotes in values", true, hdr + `<m a='>"' b=">'" c='a/b' d="/"/>`, ""},
	{"stream mode eof between stanzas", true, hdr + `<m/>`, ""},
	{"stream mode eof right after header", true, hdr, ""},
	{"document", false, `<?xml version="1.0"?>` + "\n<a b='c'>d<e/>f</a>\n", ""},
	{"U+FEFF inside text", true, hdr + "<m>\xEF\xBB\xBF</m>", ""},
	{"max char refs", true, hdr + `<m>&#x10FFFF;&#xFFFD;&#xE000;&#xD7FF;&#9;&#1114111;&#x000000041;</m>`, ""},
	{"stream-level text ending in ']' at eof", true, hdr + `]`, ""}, // found by FuzzChunking
	{"text at stream level is a token", true, hdr + ` abc <m/> `, ""},
}

func scanString(in string, stream bool) string {
	s := NewScanner(nil, Options{Stream: stream})
	s.ResetBytes([]byte(in))
	return dumpTokens(s)
}

func TestMustFail(t *testing.T) {
	for _, c := range mustFail {
		s := NewScanner(nil, Options{Stream: c.stream})
		s.ResetBytes([]byte(c.in))
		var err error
		for err == nil {
			_, err = s.Next()
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %v, want %s", c.name, err, c.cond)
			continue
		}
		if !errors.Is(err, c.cond) || e.Offset != c.off {
			t.Errorf("%s: got %s at %d (%v), want %s at %d", c.name, e.Condition, e.Offset, err, c.cond, c.off)
		}
		if _, again := s.Next(); again != err {
			t.Errorf("%s: error is not sticky: %v", c.name, again)
		}
	}
}

func TestMustPass(t *testing.T) {
	for _, c := range mustPass {
		got := scanString(c.in, c.stream)
		if !strings.HasSuffix(got, "EOF") {
			t.Errorf("%s: rejected:\n%s", c.name, got)
			continue
		}
		if c.want != "" && got != c.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}

// TestChunkingInvariance feeds every table input whole, one byte per
// read, and split in two at every offset: tokens and errors must not
// change. Reading units with ReadElement must render the same.
func TestChunkingInvariance(t *testing.T) {
	type input struct {
		name   string
		stream bool
		in     []byte
	}
	var inputs []input
	for _, c := range mustFail {
		inputs = append(inputs, input{c.name, c.stream, []byte(c.in)})
	}
	for _, c := range mustPass {
		inputs = append(inputs, input{c.name, c.stream, []byte(c.in)})
	}
	for _, in := range inputs {
		s := NewScanner(nil, Options{Stream: in.stream, BufferSize: 1})
		s.ResetBytes(in.in)
		want := dumpTokens(s)
		s.ResetBytes(in.in)
		wantEl := dumpElements(s, in.stream)
		if strings.HasSuffix(want, "EOF") && wantEl != want {
			t.Errorf("%s: ReadElement renders differently:\n%s\ntokens:\n%s", in.name, wantEl, want)
		}
		if lastLine(wantEl) != lastLine(want) {
			t.Errorf("%s: ReadElement ends with %s, tokens with %s", in.name, lastLine(wantEl), lastLine(want))
		}
		s.ResetBytes(in.in)
		if got := dumpNextElements(s, in.stream); got != wantEl {
			t.Errorf("%s: NextElement renders differently:\n%s\nReadElement:\n%s", in.name, got, wantEl)
		}
		check := func(how string, r io.Reader, elements bool) bool {
			s.Reset(r)
			var got, w string
			if elements {
				got, w = dumpElements(s, in.stream), wantEl
			} else {
				got, w = dumpTokens(s), want
			}
			if got != w {
				t.Errorf("%s: %s (elements %v):\n%s\nwant:\n%s", in.name, how, elements, got, w)
				return false
			}
			return true
		}
		for _, elements := range []bool{false, true} {
			check("one byte per read", &chunkReader{data: in.in, sizes: []int{1}}, elements)
			check("reads of 1, 2, 3 bytes", &chunkReader{data: in.in, sizes: []int{1, 2, 3}}, elements)
			for cut := 1; cut < len(in.in); cut++ {
				if !check(fmt.Sprintf("split at %d", cut), splitReader(in.in, cut), elements) {
					break
				}
			}
		}
		for cut := 0; cut < len(in.in); cut++ {
			s.Reset(splitReader(in.in, cut))
			if got := dumpNextElements(s, in.stream); got != wantEl {
				t.Errorf("%s: NextElement split at %d:\n%s\nwant:\n%s", in.name, cut, got, wantEl)
				break
			}
		}
		s.Reset(&chunkReader{data: in.in, sizes: []int{1}})
		if got := dumpNextElements(s, in.stream); got != wantEl {
			t.Errorf("%s: NextElement one byte per read:\n%s\nwant:\n%s", in.name, got, wantEl)
		}
	}
}

func lastLine(s string) string { return s[strings.LastIndexByte(s, '\n')+1:] }

// A reader error is returned as it is, not dressed up as bad input.
func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	s := NewScanner(io.MultiReader(strings.NewReader(hdr+"<m>"), &errReader{boom}), Options{Stream: true})
	var err error
	for err == nil {
		_, err = s.Next()
	}
	if err != boom {
		t.Fatalf("got %v, want the reader's error", err)
	}
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

func TestErrorMessage(t *testing.T) {
	s := NewScanner(bytes.NewReader([]byte(hdr+`<m a='<'/>`)), Options{Stream: true})
	var err error
	for err == nil {
		_, err = s.Next()
	}
	want := "fastxml: not-well-formed at byte 49: '<' in an attribute value (the sender is broken or hostile; close the stream with <not-well-formed/>)"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err.Error(), want)
	}
}
