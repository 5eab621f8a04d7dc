package fastxml

import (
	"strings"
	"testing"
)

func readOne(t *testing.T, in string) *Element {
	t.Helper()
	s := NewScanner(strings.NewReader(hdr+in), Options{Stream: true})
	s.Next()
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	var e Element
	if err := s.ReadElement(&e); err != nil {
		t.Fatal(err)
	}
	return e.Clone()
}

func TestAppendWithAttrs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`<message to='gw.example/x' from="a@b/c" type='chat'><body>hi</body></message>`,
			`<message to='juliet@example.com' from="romeo@example.net/o&apos;rchard" type='chat'><body>hi</body></message>`},
		{`<message type='chat'/>`,
			`<message to='juliet@example.com' from='romeo@example.net/o&apos;rchard' type='chat'/>`},
		{`<presence xmlns:x='urn:x' x:to='keep' to='old'/>`,
			`<presence from='romeo@example.net/o&apos;rchard' xmlns:x='urn:x' x:to='keep' to='juliet@example.com'/>`},
	} {
		e := readOne(t, c.in)
		got := string(e.AppendWithAttrs(nil,
			SetAttr{"to", []byte("juliet@example.com")},
			SetAttr{"from", []byte("romeo@example.net/o'rchard")}))
		if got != c.want {
			t.Errorf("%s\ngot  %s\nwant %s", c.in, got, c.want)
		}
		if _, err := scanWith(strings.NewReader(got), Options{}); err != nil {
			t.Errorf("%s: %v", got, err)
		}
	}
	e := readOne(t, `<message to='a' from='b'><body>x</body></message>`)
	dst := make([]byte, 0, 256)
	to, from := []byte("c@d"), []byte("e@f")
	if n := testing.AllocsPerRun(100, func() {
		dst = e.AppendWithAttrs(dst[:0], SetAttr{"to", to}, SetAttr{"from", from})
	}); n != 0 {
		t.Errorf("%v allocations per rewrite", n)
	}
}

func TestCopyToReusesMemory(t *testing.T) {
	e := readOne(t, `<message to='a' from='b'><body xmlns='urn:x'>hi &amp; bye</body></message>`)
	var dst Element
	e.CopyTo(&dst)
	if string(dst.Raw()) != string(e.Raw()) || string(dst.Root().ChildLocal("body").AppendText(nil)) != "" ||
		string(dst.Root().Child("urn:x", "body").AppendText(nil)) != "hi & bye" {
		t.Fatalf("copy differs: %q", dst.Raw())
	}
	if n := testing.AllocsPerRun(100, func() { e.CopyTo(&dst) }); n != 0 {
		t.Errorf("%v allocations per copy into a grown Element", n)
	}
}

// Quote gives the quote each value was written between, and Quoted
// the value with its quotes, from a token and from an element read
// whole; 0 and nil for the zero Attr.
func TestAttrQuote(t *testing.T) {
	const doc = `<m a='x"y' b="p'q" c=''/>`
	want := map[string]byte{"a": '\'', "b": '"', "c": '\''}
	wantQuoted := map[string]string{"a": `'x"y'`, "b": `"p'q"`, "c": `''`}
	s := NewScanner(strings.NewReader(doc), Options{})
	if k, err := s.Next(); err != nil || k != StartElement {
		t.Fatalf("Next: %v %v", k, err)
	}
	for i := range s.NumAttrs() {
		a := s.Attr(i)
		if got := a.Quote(); got != want[string(a.Name().Local)] {
			t.Errorf("token attribute %s: Quote %q, want %q", a.Name().Local, got, want[string(a.Name().Local)])
		}
		if got := string(a.Quoted()); got != wantQuoted[string(a.Name().Local)] {
			t.Errorf("token attribute %s: Quoted %s, want %s", a.Name().Local, got, wantQuoted[string(a.Name().Local)])
		}
	}
	var e Element
	s = NewScanner(strings.NewReader(doc), Options{})
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadElement(&e); err != nil {
		t.Fatal(err)
	}
	for name, q := range want {
		a, ok := e.Root().Attr("", name)
		if !ok || a.Quote() != q {
			t.Errorf("element attribute %s: Quote %q (found %v), want %q", name, a.Quote(), ok, q)
		}
	}
	for name, q := range wantQuoted {
		if a, _ := e.Root().Attr("", name); string(a.Quoted()) != q {
			t.Errorf("element attribute %s: Quoted %s, want %s", name, a.Quoted(), q)
		}
	}
	if q := (Attr{}).Quote(); q != 0 {
		t.Errorf("zero Attr: Quote %q, want 0", q)
	}
	if q := (Attr{}).Quoted(); q != nil {
		t.Errorf("zero Attr: Quoted %q, want nil", q)
	}
}

// Attr finds an attribute by its whole name, not by the key it is
// filed under (length, first and last byte): with a name limit raised
// past 64 KiB, a 65538-byte name that starts with t and ends with o
// files under the same key as "to" and is not it; names that differ
// only inside are told apart, prefixed ones by their namespace.
func TestAttrMatchesWholeName(t *testing.T) {
	long := "t" + strings.Repeat("x", 65536) + "o"
	in := `<m ` + long + `='no' tao='no' txo='yes' to='yes' xmlns:p='urn:p' p:to='p'/>`
	s := NewScanner(strings.NewReader(in), Options{Limits: Limits{MaxNameBytes: 1 << 17, MaxStanzaBytes: 1 << 18}})
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	var e Element
	if err := s.ReadElement(&e); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ space, local, want string }{
		{"", "to", "yes"}, {"", "txo", "yes"}, {"urn:p", "to", "p"}, {"", "tyo", ""}, {"urn:q", "to", ""},
	} {
		a, ok := e.Root().Attr(c.space, c.local)
		if got := string(a.Raw()); ok != (c.want != "") || got != c.want {
			t.Errorf("Attr(%q, %q) = %q, %v; want %q", c.space, c.local, got, ok, c.want)
		}
	}
}
