package stanza

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xmppcore/xmppcore/fastxml"
)

func TestBuilder(t *testing.T) {
	var b Builder
	b.Message("juliet@example.com/balcony", "", "chat", "m1").
		Element("body", "Wherefore art thou? <3 & more").
		Start("active").Attr("xmlns", "http://jabber.org/protocol/chatstates").End().
		End()
	want := `<message to='juliet@example.com/balcony' type='chat' id='m1'><body>Wherefore art thou? &lt;3 &amp; more</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>`
	if got := string(b.Bytes()); got != want || b.Err() != nil {
		t.Errorf("got  %s\nwant %s (%v)", got, want, b.Err())
	}
	b.Reset(nil)
	b.IQ("", "", "get", "p1").Start("ping").Attr("xmlns", "urn:xmpp:ping").EndAll()
	if got := string(b.Bytes()); got != `<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>` {
		t.Errorf("got %s", got)
	}
}

// Whatever strings go in, the output parses, and the values read back
// are the strings, with only invalid bytes and non-Chars replaced.
func TestBuilderEscapesEverything(t *testing.T) {
	for _, v := range []string{
		`plain`, `<tag attr="x">`, `it's & "quoted"`, "tab\tnl\ncr\rcrlf\r\n",
		"]]> and ]]", "nul\x00 bell\x07", "bad \xff\xfe utf-8 \xc3", "non-char \uFFFE\uFFFF",
		"emoji 😀 and ümlaut", strings.Repeat("&", 100),
	} {
		var b Builder
		b.Presence("", "", "", "").Attr("v", v).Element("status", v).End()
		s := fastxml.NewScanner(bytes.NewReader(b.Bytes()), fastxml.Options{})
		if _, err := s.Next(); err != nil {
			t.Fatalf("%q: %v\n%s", v, err, b.Bytes())
		}
		want := sanitize(v)
		if got := string(s.Attr(0).AppendValue(nil)); got != want {
			t.Errorf("attribute %q read back as %q, want %q", v, got, want)
		}
		var e fastxml.Element
		if err := s.ReadElement(&e); err != nil {
			t.Fatalf("%q: %v\n%s", v, err, b.Bytes())
		}
		// Text keeps tab and LF; a CR is written as a reference so it
		// survives line-end normalisation.
		if got := string(e.Root().ChildLocal("status").AppendText(nil)); got != want {
			t.Errorf("text %q read back as %q, want %q", v, got, want)
		}
		if _, err := s.Next(); err != io.EOF {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// sanitize is what a Builder promises to preserve: everything but
// invalid UTF-8 and non-Chars, which become U+FFFD.
func sanitize(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1, r == 0xFFFE, r == 0xFFFF, r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			sb.WriteRune(0xFFFD)
		default:
			sb.WriteString(s[i : i+n])
		}
		i += n
	}
	return sb.String()
}

func TestBuilderMisuse(t *testing.T) {
	var b Builder
	b.End()
	if b.Err() != ErrUnbalanced {
		t.Errorf("End with nothing open: %v", b.Err())
	}
	b.Reset(nil)
	for i := 0; i < maxDepth+1; i++ {
		b.Start("a")
	}
	if b.Err() != ErrTooDeep {
		t.Errorf("too deep: %v", b.Err())
	}
}

func TestBuilderAllocatesNothing(t *testing.T) {
	buf := make([]byte, 0, 512)
	body := []byte("hello & goodbye")
	var b Builder
	if n := testing.AllocsPerRun(1000, func() {
		b.Reset(buf)
		b.Message("romeo@example.net/orchard", "juliet@example.com/balcony", "chat", "id-42").
			Start("body").TextBytes(body).End().
			Start("x").Attr("xmlns", "jabber:x:oob").Element("url", "https://example.com/?a=1&b=2").End().
			End()
	}); n != 0 {
		t.Errorf("%v allocations per stanza built, want 0", n)
	}
}

// AttrFrom and ContentFrom forward received values without decoding
// them: whatever was received (quotes of either kind, references,
// CDATA, child elements with inherited prefixes) reads back the same.
func TestForwardFromReceived(t *testing.T) {
	const in = `<message xmlns='jabber:client' xmlns:x='urn:x' from="o'brien@example.com/a&amp;b" to='bot@example.com' type='c&#x68;at'>` +
		`<body>it&apos;s &lt;3 <![CDATA[<raw> & ]]> done<x:y a='1'>inner</x:y></body></message>`
	s := fastxml.NewScanner(strings.NewReader(in), fastxml.Options{})
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	var e fastxml.Element
	if err := s.ReadElement(&e); err != nil {
		t.Fatal(err)
	}
	root := e.Root()
	from, _ := root.Attr("", "from")
	typ, _ := root.Attr("", "type")
	missing, ok := root.Attr("", "id") // not there: forwarding it adds nothing
	if ok || !missing.IsZero() {
		t.Fatalf("lookup of a missing attribute: %v, zero %v", ok, missing.IsZero())
	}
	var b Builder
	b.Start("message").AttrFrom("to", from).AttrFrom("id", missing).AttrFrom("type", typ).
		Start("body").ContentFrom(root.ChildLocal("body")).End().End()
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	want := `<message to="o'brien@example.com/a&amp;b" type='c&#x68;at'><body>it&apos;s &lt;3 &lt;raw&gt; &amp;  done<x:y xmlns:x="urn:x" a="1">inner</x:y></body></message>`
	if got := string(b.Bytes()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// And the values read back equal the received ones.
	s2 := fastxml.NewScanner(bytes.NewReader(b.Bytes()), fastxml.Options{})
	if _, err := s2.Next(); err != nil {
		t.Fatal(err)
	}
	var out fastxml.Element
	if err := s2.ReadElement(&out); err != nil {
		t.Fatal(err)
	}
	to2, _ := out.Root().Attr("", "to")
	typ2, _ := out.Root().Attr("", "type")
	if got := string(to2.AppendValue(nil)); got != "o'brien@example.com/a&b" {
		t.Errorf("to read back as %q", got)
	}
	if got := string(typ2.AppendValue(nil)); got != "chat" {
		t.Errorf("type read back as %q", got)
	}
	body := out.Root().ChildLocal("body")
	if got, want := string(body.AppendText(nil)), string(root.ChildLocal("body").AppendText(nil)); got != want {
		t.Errorf("body text %q, want %q", got, want)
	}
	if y := body.Child("urn:x", "y"); !y.Valid() || string(y.AppendText(nil)) != "inner" {
		t.Errorf("child element lost its namespace: %s", body.Raw())
	}
}

// ResetAppend builds after what dst holds; Reset over it.
func TestResetAppendKeepsDst(t *testing.T) {
	var b Builder
	dst := []byte("<iq/>")
	b.ResetAppend(dst)
	b.Start("message").Attr("to", "a@b").End()
	if got, want := string(b.Bytes()), `<iq/><message to='a@b'/>`; got != want {
		t.Errorf("ResetAppend: %s, want %s", got, want)
	}
	b.Reset(dst)
	b.Start("presence").End()
	if got, want := string(b.Bytes()), `<presence/>`; got != want {
		t.Errorf("Reset: %s, want %s", got, want)
	}
}
