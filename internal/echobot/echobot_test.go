package echobot

import (
	"testing"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stanza"
)

const chat = `<message from='juliet@capulet.example/balcony' to='bot@echo.bench.example' type='chat' id='b58675a2-0001'><body>fair o capulet what it art the my yonder window breaks</body></message>`

func parse(tb testing.TB, s string) *fastxml.Element {
	sc := fastxml.NewScanner(nil, fastxml.Options{})
	sc.ResetBytes([]byte(s))
	var e fastxml.Element
	if k, err := sc.NextElement(&e); err != nil || k != fastxml.WholeElement {
		tb.Fatalf("%v %v", k, err)
	}
	return &e
}

func TestAppendReplyAppends(t *testing.T) {
	var b stanza.Builder
	got := AppendReply(&b, []byte("<r/>"), parse(t, chat).Root())
	want := `<r/><message to='juliet@capulet.example/balcony' from='bot@echo.bench.example' type='chat'><body>fair o capulet what it art the my yonder window breaks</body></message>`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// BenchmarkAppendReply is the echo bot's work per message, after the
// scanner's: three attribute lookups and the reply built.
func BenchmarkAppendReply(b *testing.B) {
	msg := parse(b, chat).Root()
	var bld stanza.Builder
	dst := make([]byte, 0, 64<<10)
	b.SetBytes(int64(len(chat)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if len(dst) > 60<<10 {
			dst = dst[:0]
		}
		dst = AppendReply(&bld, dst, msg)
	}
}

// builderReply is the reply as the Builder writes it: what AppendReply
// must write on its direct path too.
func builderReply(msg fastxml.Node) string {
	var b stanza.Builder
	b.Start("message")
	for _, a := range [][2]string{{"to", "from"}, {"from", "to"}, {"type", "type"}} {
		if v, ok := msg.Attr("", a[1]); ok {
			b.AttrFrom(a[0], v)
		}
	}
	b.Start("body").ContentFrom(msg.ChildLocal("body")).End().End()
	return string(b.Bytes())
}

// The reply written out directly (a body of plain text) and through the
// Builder (anything else) are the Builder's, byte for byte.
func TestAppendReplyAsBuilderWritesIt(t *testing.T) {
	for _, in := range []string{
		chat,
		`<message from="o'hara@example.net/a&amp;b" to='x@y'><body>a &lt; b &#x26; c</body></message>`,
		`<message to='x@y'><body/></message>`,
		`<message from='a@b' type='groupchat'><body></body><subject>s</subject></message>`,
		`<message from='a@b'><body>x<![CDATA[<y>]]>z</body></message>`,
		`<message from='a@b'><body>x<b xmlns='urn:b'>y</b></body></message>`,
		`<message><body>only</body></message>`,
		// Attributes in another order, and others after the three the
		// reply takes.
		`<message id='1' type='chat' to='x@y' from='a@b' xml:lang='en' x='y'><body>z</body></message>`,
		`<message type='normal' from='a@b' xmlns:q='urn:q' q:to='no' to='x@y'><body>z</body></message>`,
	} {
		msg := parse(t, in).Root()
		var b stanza.Builder
		if got, want := string(AppendReply(&b, nil, msg)), builderReply(msg); got != want {
			t.Errorf("%s:\ngot  %s\nwant %s", in, got, want)
		}
	}
}
