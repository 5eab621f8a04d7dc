package stream

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xmppcore/xmppcore/stanza"
)

// echoReply answers a message with its body, to/from swapped.
func echoReply(t *testing.T, s *Stream, st *Stanza) {
	root := st.Root()
	from, _ := root.Attr("", "from")
	id, _ := root.Attr("", "id")
	buf := s.NewBuffer()
	var b stanza.Builder
	b.Reset(buf.B)
	b.Start("message").AttrFrom("to", from).AttrFrom("id", id).
		Start("body").ContentFrom(root.ChildLocal("body")).End().End()
	buf.B = b.Bytes()
	if err := s.Send(context.Background(), buf); err != nil {
		t.Error(err)
	}
}

func chat(i int) string {
	return fmt.Sprintf(`<message from='romeo@example.net/o' id='m%d'><body>hi %d &amp; bye</body></message>`, i, i)
}

func chatReply(i int) string {
	return fmt.Sprintf(`<message to='romeo@example.net/o' id='m%d'><body>hi %d &amp; bye</body></message>`, i, i)
}

// Retained stanzas stay intact while the stream goes on reading, in
// both dispatch modes: on the ring (whose slots are reused, here many
// times over) and inline (where Retain returns a copy).
func TestSecurityCase24RetainedStanzasSurvive(t *testing.T) {
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			const n = 100
			var kept []*Stanza
			_, p, done := runStream(t, Config{Inline: inline, DispatchLen: 4}, func(s *Stream) {
				s.RegisterHandler(&Handler{Name: "echo", Match: MustPath("message/body"), Func: func(s *Stream, st *Stanza) {
					kept = append(kept, st.Retain())
					echoReply(t, s, st)
				}})
			})
			var all strings.Builder
			for i := 0; i < n; i++ {
				all.WriteString(chat(i))
			}
			p.write(all.String())
			for i := 0; i < n; i++ {
				p.expect(chatReply(i))
			}
			p.write(`</stream:stream>`)
			if err := waitRun(t, done); err != nil {
				t.Fatal(err)
			}
			if len(kept) != n {
				t.Fatalf("%d stanzas kept, want %d", len(kept), n)
			}
			for i, st := range kept {
				if got := string(st.Raw()); got != chat(i) {
					t.Fatalf("kept stanza %d changed: %s", i, got)
				}
				st.Release()
			}
		})
	}
}

// Stanzas that arrive together with the peer's footer are all handled,
// and their replies sent, before our footer.
func TestStanzasBeforeFooterAreAnswered(t *testing.T) {
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			const n = 300
			_, p, done := runStream(t, Config{Inline: inline}, func(s *Stream) {
				s.RegisterHandler(&Handler{Name: "echo", Match: MustPath("message/body"), Func: func(s *Stream, st *Stanza) {
					echoReply(t, s, st)
				}})
			})
			var all strings.Builder
			for i := 0; i < n; i++ {
				all.WriteString(chat(i))
			}
			all.WriteString(`</stream:stream>`)
			p.write(all.String())
			for i := 0; i < n; i++ {
				p.expect(chatReply(i))
			}
			if err := waitRun(t, done); err != nil {
				t.Fatal(err)
			}
			if err := <-p.closed; err != nil {
				t.Fatalf("our footer: %v", err)
			}
		})
	}
}
