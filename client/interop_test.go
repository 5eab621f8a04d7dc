package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/xmpptest"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
)

// The interop matrix against real Prosody and ejabberd: STARTTLS and
// direct TLS × PLAIN, SCRAM-SHA-1, SCRAM-SHA-256; each session binds,
// sends a message to itself and gets it back. A wrong password comes
// back as a SASL failure; a client without the server's CA fails the
// TLS handshake with "unknown authority", not a hang.
func TestInterop(t *testing.T) {
	for _, start := range []func(testing.TB) *xmpptest.Server{xmpptest.StartProsody, xmpptest.StartEjabberd} {
		srv := start(t)
		t.Run(srv.Name, func(t *testing.T) {
			alice := srv.Users[0]
			for _, mode := range []struct {
				name string
				tls  TLSMode
				port int
			}{{"starttls", StartTLS, srv.C2SPort}, {"directtls", DirectTLS, srv.DirectTLSPort}} {
				for _, mech := range []string{"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"} {
					t.Run(mode.name+"/"+mech, func(t *testing.T) {
						ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
						defer cancel()
						sess, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(mode.port),
							TLS: mode.tls, CAFile: srv.CAFile, Mechanisms: []string{mech}})
						if err != nil {
							t.Fatalf("%v\n%s", err, srv.Log())
						}
						if sess.Mechanism != mech || !strings.HasPrefix(sess.JID, alice.JID+"/") || sess.TLS == nil {
							t.Errorf("session %+v", sess)
						}
						roundTrip(t, ctx, sess)
					})
				}
			}
			t.Run("wrong-password", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				_, err := Dial(ctx, Config{JID: alice.JID, Password: "wrong", Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile, Mechanisms: []string{"SCRAM-SHA-1"}})
				var se *SASLError
				if !errors.As(err, &se) || se.Condition != "not-authorized" {
					t.Fatalf("wrong password: %v", err)
				}
			})
			t.Run("untrusted-ca", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				_, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.DirectTLSPort), TLS: DirectTLS})
				var te *TLSError
				if !errors.As(err, &te) || te.Cause != "unknown authority" {
					t.Fatalf("no CA given: %v", err)
				}
			})
		})
	}
}

// roundTrip runs the session, sends a message to its own full JID and
// waits for it, then closes the stream cleanly.
func roundTrip(t *testing.T, ctx context.Context, sess *Session) {
	t.Helper()
	got := make(chan string, 1)
	sess.RegisterHandler(&stream.Handler{Name: "self", Match: stream.MustPath("message/body"), Func: func(s *stream.Stream, st *stream.Stanza) {
		select {
		case got <- string(st.Root().ChildLocal("body").AppendText(nil)):
		default:
		}
	}})
	done := make(chan error, 1)
	go func() { done <- sess.Run(context.Background()) }()
	buf := sess.NewBuffer()
	var b stanza.Builder
	b.Reset(buf.B)
	b.Message(sess.JID, "", "chat", "self-1").Element("body", "hello <self> & co").End()
	buf.B = b.Bytes()
	if err := sess.Send(ctx, buf); err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-got:
		if body != "hello <self> & co" {
			t.Errorf("body %q", body)
		}
	case <-ctx.Done():
		t.Fatal("the message to self did not come back")
	}
	sess.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Close")
	}
}
