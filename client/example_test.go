package client_test

import (
	"context"
	"fmt"
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

// A sender that loses nothing across lost connections: Reconnect keeps
// a session up, stream management resumes it (or hands back what the
// server never acknowledged), and the Outbox sends each message once,
// in order, on whichever session is up.
func ExampleOutbox() {
	ctx := context.Background()
	events := new(stream.Events)
	cfg := client.Config{JID: "bot@example.com", Password: "secret",
		StreamManagement: &stream.SM{}, Stream: stream.Config{Events: events}}
	out := client.NewOutbox(events, 0)
	go func() {
		log.Println(client.Reconnect(ctx, cfg, client.Backoff{}, out.Use))
	}()
	for i := 0; i < 100; i++ {
		msg := fmt.Appendf(nil, "<message to='juliet@example.com' type='chat'><body>%d</body></message>", i)
		if err := out.Send(ctx, msg); err != nil {
			log.Fatal(err)
		}
	}
	if err := out.Wait(ctx); err != nil { // all taken by a session
		log.Fatal(err)
	}
}
