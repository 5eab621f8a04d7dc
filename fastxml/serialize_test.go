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
		if c.space == "" {
			if q := e.Root().QuotedAttr(c.local); string(q) != string(a.Quoted()) {
				t.Errorf("QuotedAttr(%q) = %q; want %q", c.local, q, a.Quoted())
			}
		}
	}
}

// Attr, Lang and ChildLocal tell namespaces apart whether a name's
// namespace comes from the binding every element inherits, from a
// declaration that repeats it, or from another one; and no attribute
// is found under a namespace it is not in.
func TestLookupsByNamespace(t *testing.T) {
	const in = `<m xmlns='urn:a' xmlns:p='urn:p' lang='plain' p:lang='p' to='x'>` +
		`<c xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='declared'/>` +
		`<b xmlns='urn:b'/><b xml:lang='en'/><b xmlns='urn:a'>same</b></m>`
	root := readDoc(t, in).Root()
	c := root.FirstElement()
	b0 := c.NextElement()
	b1 := b0.NextElement()
	for _, tc := range []struct {
		name         string
		n            Node
		space, local string
		want         string // "" for none
	}{
		{"unprefixed", root, "", "lang", "plain"},
		{"prefixed", root, "urn:p", "lang", "p"},
		{"no xml:lang on the root", root, XMLNamespace, "lang", ""},
		{"a prefixed name is not unprefixed", root, "", "p:lang", ""},
		{"no such namespace", root, "urn:q", "lang", ""},
		{"an unprefixed name has no namespace", root, "urn:a", "to", ""},
		{"xml:lang bound again by a declaration", c, XMLNamespace, "lang", "declared"},
		{"xml:lang", b1, XMLNamespace, "lang", "en"},
		{"xml:lang is not unprefixed", b1, "", "lang", ""},
		{"declarations are not attributes", root, XMLNSNamespace, "p", ""},
	} {
		a, ok := tc.n.Attr(tc.space, tc.local)
		if got := string(a.Raw()); ok != (tc.want != "") || got != tc.want {
			t.Errorf("%s: Attr(%q, %q) = %q, %v; want %q", tc.name, tc.space, tc.local, got, ok, tc.want)
		}
		if tc.space == "" {
			if q := tc.n.QuotedAttr(tc.local); string(q) != string(a.Quoted()) || (q == nil) != !ok {
				t.Errorf("%s: QuotedAttr(%q) = %q, want %q", tc.name, tc.local, q, a.Quoted())
			}
		}
		if tc.space != XMLNamespace || tc.local != "lang" {
			continue
		}
		l, ok := tc.n.Lang()
		if got := string(l.Raw()); ok != (tc.want != "") || got != tc.want {
			t.Errorf("%s: Lang() = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
	if l, ok := root.Lang(); ok {
		t.Errorf("root: Lang() = %q; it has lang and p:lang, not xml:lang", l.Raw())
	}
	if l, ok := (Node{}).Lang(); ok || l.Raw() != nil {
		t.Errorf("zero Node: Lang() = %q, %v", l.Raw(), ok)
	}
	if q := (Node{}).QuotedAttr("to"); q != nil {
		t.Errorf("zero Node: QuotedAttr = %q", q)
	}
	if text := b1.NextElement().FirstChild(); !text.IsText() || text.QuotedAttr("to") != nil {
		t.Errorf("a text node has no attributes: %v %q", text.IsText(), text.QuotedAttr("to"))
	}
	// The first <b> is in urn:b, the second inherits urn:a, the third
	// declares urn:a again: ChildLocal finds the second, in m's
	// namespace, and skips the first.
	if got := root.ChildLocal("b"); got != b1 {
		t.Errorf("ChildLocal(b) = node %v, want the second <b> (%v)", got, b1)
	}
	b2 := b1.NextElement()
	if got := b0.NextElement().NextElement(); got != b2 || string(b2.Space()) != "urn:a" {
		t.Fatalf("third <b>: %v in %q", got, b2.Space())
	}
	if got := root.ChildLocal("c"); got != c {
		t.Errorf("ChildLocal(c) = %v, want %v", got, c)
	}
	if got := root.ChildLocal("d"); got.Valid() {
		t.Errorf("ChildLocal(d) = %v, want none", got)
	}
	// A child that declares its parent's namespace again is in it.
	again := readDoc(t, `<m xmlns='urn:a'><y xmlns='urn:b'/><y xmlns='urn:a'>again</y></m>`)
	if got := again.Root().ChildLocal("y"); string(got.AppendText(nil)) != "again" {
		t.Errorf("ChildLocal(y) = %q, want the <y> that declares urn:a again", got.Raw())
	}
}

// RawAttrAt gives each attribute, declarations included, in document
// order, as written: the qualified name, and the value with its quotes
// and its references; the same as AttrAt's name and Quoted.
func TestRawAttrAt(t *testing.T) {
	const in = `<m xmlns='urn:a' xmlns:p='urn:p' from="a&amp;b" p:to='x' type='chat'><c k='v'/></m>`
	root := readDoc(t, in).Root()
	want := [][2]string{
		{"xmlns", `'urn:a'`}, {"xmlns:p", `'urn:p'`}, {"from", `"a&amp;b"`}, {"p:to", `'x'`}, {"type", `'chat'`},
	}
	if n := root.NumAttrs(); n != len(want) {
		t.Fatalf("NumAttrs = %d, want %d", n, len(want))
	}
	for i, w := range want {
		name, quoted := root.RawAttrAt(i)
		if string(name) != w[0] || string(quoted) != w[1] {
			t.Errorf("RawAttrAt(%d) = %s, %s; want %s, %s", i, name, quoted, w[0], w[1])
		}
		if a := root.AttrAt(i); string(a.Quoted()) != string(quoted) {
			t.Errorf("RawAttrAt(%d) quoted %s, AttrAt's Quoted %s", i, quoted, a.Quoted())
		}
	}
	if name, quoted := root.FirstElement().RawAttrAt(0); string(name) != "k" || string(quoted) != "'v'" {
		t.Errorf("child RawAttrAt(0) = %s, %s", name, quoted)
	}
}

// Lang on stanzas the fast path read whole: the element flag that lets
// it answer without looking is set only when no attribute is prefixed,
// and the answers are those of a look.
func TestLangOfFastPathElements(t *testing.T) {
	const in = `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
		`<message to='a' lang='no'><body/></message>` +
		`<message xml:lang='en' to='a'/>` +
		`<message xmlns:p='urn:p' p:lang='no'/>` +
		`<message to='b' xml:lang='de'><body xml:lang='fr'/></message>`
	s := NewScanner(nil, Options{Stream: true})
	s.ResetBytes([]byte(in))
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	var e Element
	for i, c := range []struct {
		lang       string
		unprefixed bool
	}{{"", true}, {"en", false}, {"", false}, {"de", false}} {
		if k, err := s.NextElement(&e); err != nil || k != WholeElement {
			t.Fatalf("stanza %d: %v %v", i, k, err)
		}
		root := e.Root()
		if got := root.node().flags&elemUnprefixed != 0; got != c.unprefixed {
			t.Errorf("stanza %d: unprefixed flag %v, want %v", i, got, c.unprefixed)
		}
		l, ok := root.Lang()
		if ok != (c.lang != "") || string(l.Raw()) != c.lang {
			t.Errorf("stanza %d: Lang() = %q, %v; want %q", i, l.Raw(), ok, c.lang)
		}
		if b := root.FirstElement(); b.Valid() && b.node().flags&elemUnprefixed != 0 {
			t.Errorf("stanza %d: a child carries the flag", i)
		}
	}
}

// RawAttrAt past an element's attributes panics, as it does on a text
// node, instead of handing out another element's attribute.
func TestRawAttrAtOutOfRange(t *testing.T) {
	root := readDoc(t, `<m a='1'><c k='v'/>text</m>`).Root()
	for _, c := range []struct {
		n Node
		i int
	}{{root, 1}, {root, -1}, {root.FirstChild().NextSibling(), 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RawAttrAt(%d) on node %v did not panic", c.i, c.n)
				}
			}()
			c.n.RawAttrAt(c.i)
		}()
	}
}
