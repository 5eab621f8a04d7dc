package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/client"
	"github.com/xmppcore/xmppcore/internal/xmpptest"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
)

// The README's echo bot, against real servers: bob runs it, alice
// sends it a message and gets the body back.
func TestReadmeBot(t *testing.T) {
	for _, start := range []func(testing.TB) *xmpptest.Server{xmpptest.StartProsody, xmpptest.StartEjabberd} {
		srv := start(t)
		t.Run(srv.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			dial := func(a xmpptest.Account) *client.Session {
				s, err := client.Dial(ctx, client.Config{JID: a.JID, Password: a.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			bot := dial(srv.Users[1])
			bot.RegisterHandler(echoHandler(ctx))
			botDone := make(chan error, 1)
			go func() { botDone <- bot.Run(ctx) }()

			alice := dial(srv.Users[0])
			got := make(chan string, 1)
			alice.RegisterHandler(&stream.Handler{Match: stream.MustPath("message/body"), Func: func(s *stream.Stream, st *stream.Stanza) {
				got <- string(st.Attr("from")) + ": " + string(st.Root().ChildLocal("body").AppendText(nil))
			}})
			aliceDone := make(chan error, 1)
			go func() { aliceDone <- alice.Run(ctx) }()
			buf := alice.NewBuffer()
			var b stanza.Builder
			b.Reset(buf.B)
			b.Message(bot.JID, "", "chat", "r-1").Element("body", "echo, please").End()
			buf.B = b.Bytes()
			alice.Send(ctx, buf)
			select {
			case g := <-got:
				if want := bot.JID + ": echo, please"; g != want {
					t.Errorf("got %q, want %q", g, want)
				}
			case <-ctx.Done():
				t.Fatal("no echo")
			}
			alice.Close()
			bot.Close()
			for _, c := range []chan error{aliceDone, botDone} {
				if err := <-c; err != nil {
					t.Error(err)
				}
			}
		})
	}
}
