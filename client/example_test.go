package client_test

import (
	"context"
	"log"

	"github.com/xmppcore/xmppcore/client"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
)

// An echo bot: it logs in, announces itself, and answers every message
// that has a body with the same body, until the server closes the
// stream. (The README shows it with echoHandler written inline;
// TestReadmeBot runs it against Prosody and ejabberd.)
func Example_echoBot() {
	ctx := context.Background()
	sess, err := client.Dial(ctx, client.Config{JID: "bot@example.com", Password: "secret"})
	if err != nil {
		log.Fatal(err) // a *client.TLSError, *client.SASLError, ... says why
	}
	sess.RegisterHandler(echoHandler(ctx))
	sess.SendRaw(ctx, []byte("<presence/>"))
	log.Fatal(sess.Run(ctx))
}

// echoHandler answers a message with its body, to its sender.
func echoHandler(ctx context.Context) *stream.Handler {
	var b stanza.Builder
	return &stream.Handler{Match: stream.MustPath("message/body"), Func: func(s *stream.Stream, st *stream.Stanza) {
		from, _ := st.Root().Attr("", "from")
		buf := s.NewBuffer()
		b.Reset(buf.B)
		b.Start("message").AttrFrom("to", from).Attr("type", "chat").
			Start("body").ContentFrom(st.Root().ChildLocal("body")).End().End()
		buf.B = b.Bytes()
		s.Send(ctx, buf)
	}}
}
