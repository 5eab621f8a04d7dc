package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/xmppcore/xmppcore/internal/echobot"
	"github.com/xmppcore/xmppcore/internal/xmpptest"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
	xtls "github.com/xmppcore/xmppcore/tls"
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
				mechs := []string{"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"}
				if srv.Name == "ejabberd" {
					mechs = append(mechs, "SCRAM-SHA-512")
				}
				for _, mech := range mechs {
					t.Run(mode.name+"/"+mech, func(t *testing.T) {
						ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
						defer cancel()
						var events stream.Events
						tlsOK := make(chan any, 1)
						events.Once(EventTLSSuccess, func(d any) { tlsOK <- d })
						sess, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(mode.port),
							TLS: mode.tls, CAFile: srv.CAFile, Mechanisms: []string{mech}, Stream: stream.Config{Events: &events}})
						if err != nil {
							t.Fatalf("%v\n%s", err, srv.Log())
						}
						select {
						case d := <-tlsOK:
							if cs, ok := d.(tls.ConnectionState); !ok || !cs.HandshakeComplete || cs.ServerName != srv.Domain {
								t.Errorf("tls_success data %#v", d)
							}
						default:
							t.Error("no tls_success event")
						}
						if sess.Events() != &events {
							t.Error("the session's Stream does not use the configured event hub")
						}
						if sess.Mechanism != mech || !strings.HasPrefix(sess.JID, alice.JID+"/") || sess.TLS == nil {
							t.Errorf("session %+v", sess)
						}
						roundTrip(t, ctx, sess)
					})
				}
			}
			t.Run("plus", func(t *testing.T) { channelBound(t, srv) })
			t.Run("srv", func(t *testing.T) { srvTargets(t, srv) })
			t.Run("component-echo", func(t *testing.T) { componentEcho(t, srv) })
			t.Run("disconnect-flushes-queue", func(t *testing.T) { closeFlushes(t, srv) })
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
				var events stream.Events
				invalid := make(chan any, 1)
				events.Once(EventInvalidChain, func(d any) { invalid <- d })
				_, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.DirectTLSPort), TLS: DirectTLS,
					Stream: stream.Config{Events: &events}})
				var te *TLSError
				if !errors.As(err, &te) || te.Cause != "unknown authority" {
					t.Fatalf("no CA given: %v", err)
				}
				select {
				case d := <-invalid:
					if d != any(te) {
						t.Errorf("ssl_invalid_chain data %v, want the returned error", d)
					}
				default:
					t.Error("no ssl_invalid_chain event")
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
	started := make(chan struct{})
	sess.Events().Once(stream.EventSessionStart, func(any) { close(started) })
	done := make(chan error, 1)
	go func() { done <- sess.Run(context.Background()) }()
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("no session_start event")
	}
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

// dial opens a session for account a over STARTTLS.
func dial(t *testing.T, ctx context.Context, srv *xmpptest.Server, a xmpptest.Account) *Session {
	t.Helper()
	sess, err := Dial(ctx, Config{JID: a.JID, Password: a.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile})
	if err != nil {
		t.Fatalf("%s: %v\n%s", a.JID, err, srv.Log())
	}
	return sess
}

// The echo bot of xmppbench bot, as an XEP-0114 component of the real
// server, reached from a client: the client's message comes back with
// to and from swapped.
func componentEcho(t *testing.T, srv *xmpptest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := net.Dial("tcp", srv.Addr(srv.ComponentPort))
	if err != nil {
		t.Fatal(err)
	}
	bot := stream.New(conn, stream.Config{Namespace: stream.NSComponent, To: srv.Component, ComponentSecret: srv.ComponentSecret, Inline: true})
	bot.RegisterHandler(echobot.Handler(ctx, "", nil))
	ready := make(chan struct{})
	bot.Events().Once(stream.EventSessionStart, func(any) { close(ready) })
	botDone := make(chan error, 1)
	go func() { botDone <- bot.Run(ctx) }()
	select {
	case <-ready:
	case err := <-botDone:
		t.Fatalf("component: %v\n%s", err, srv.Log())
	}

	sess := dial(t, ctx, srv, srv.Users[0])
	got := make(chan string, 1)
	sess.RegisterHandler(&stream.Handler{Name: "echo", Match: stream.MustPath("message/body"), Func: func(s *stream.Stream, st *stream.Stanza) {
		got <- string(st.Attr("from")) + " " + string(st.Root().ChildLocal("body").AppendText(nil))
	}})
	done := make(chan error, 1)
	go func() { done <- sess.Run(ctx) }()
	buf := sess.NewBuffer()
	var b stanza.Builder
	b.Reset(buf.B)
	b.Message("echo@"+srv.Component, "", "chat", "c-1").Element("body", "ping & <pong>").End()
	buf.B = b.Bytes()
	if err := sess.Send(ctx, buf); err != nil {
		t.Fatal(err)
	}
	select {
	case g := <-got:
		if want := "echo@" + srv.Component + " ping & <pong>"; g != want {
			t.Errorf("got %q, want %q", g, want)
		}
	case <-ctx.Done():
		t.Fatalf("no echo from the component\n%s", srv.Log())
	}
	sess.Close()
	bot.Close()
	for _, c := range []chan error{done, botDone} {
		if err := <-c; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

// Disconnect(wait) sends everything queued before the footer: 300
// messages queued at once and the stream disconnected right away all
// reach the other account.
func closeFlushes(t *testing.T, srv *xmpptest.Server) {
	const n = 300
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bob := dial(t, ctx, srv, srv.Users[1])
	var count atomic.Int32
	all := make(chan struct{})
	bob.RegisterHandler(&stream.Handler{Name: "count", Match: stream.MustPath("message/body"), Func: func(*stream.Stream, *stream.Stanza) {
		if count.Add(1) == n {
			close(all)
		}
	}})
	bobDone := make(chan error, 1)
	go func() { bobDone <- bob.Run(ctx) }()

	alice := dial(t, ctx, srv, srv.Users[0])
	aliceDone := make(chan error, 1)
	go func() { aliceDone <- alice.Run(ctx) }()
	for i := 0; i < n; i++ {
		buf := alice.NewBuffer()
		var b stanza.Builder
		b.Reset(buf.B)
		b.Message(bob.JID, "", "chat", fmt.Sprintf("q-%d", i)).Element("body", fmt.Sprint(i)).End()
		buf.B = b.Bytes()
		if err := alice.Send(ctx, buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := alice.Disconnect(10*time.Second, "done", false); err != nil {
		t.Errorf("alice: %v", err)
	}
	if err := <-aliceDone; err != nil {
		t.Errorf("alice: %v", err)
	}
	select {
	case <-all:
	case <-ctx.Done():
		bobErr := "still running"
		select {
		case err := <-bobDone:
			bobErr = fmt.Sprintf("ended: %v", err)
		default:
		}
		t.Fatalf("bob got %d of %d messages (bob's stream %s)\n%s", count.Load(), n, bobErr, srv.Log())
	}
	bob.Close()
	<-bobDone
}

// Without an address the session goes where DNS SRV says: direct TLS
// records first, a dead target skipped; with no direct TLS record, the
// STARTTLS port.
func srvTargets(t *testing.T, srv *xmpptest.Server) {
	dead := freePort(t)
	both := xmpptest.DNS(t, map[string][]dns.RR{
		"_xmpps-client._tcp.localhost.": {
			xmpptest.SRV("_xmpps-client._tcp.localhost.", 1, 0, uint16(dead), "127.0.0.1."),
			xmpptest.SRV("_xmpps-client._tcp.localhost.", 10, 0, uint16(srv.DirectTLSPort), "localhost."),
		},
		"_xmpp-client._tcp.localhost.": {xmpptest.SRV("_xmpp-client._tcp.localhost.", 10, 0, uint16(srv.C2SPort), "localhost.")},
	})
	plain := xmpptest.DNS(t, map[string][]dns.RR{
		"_xmpp-client._tcp.localhost.": {xmpptest.SRV("_xmpp-client._tcp.localhost.", 10, 0, uint16(srv.C2SPort), "localhost.")},
	})
	alice := srv.Users[0]
	for _, c := range []struct {
		dns  string
		mode TLSMode
		port int
	}{{both, DirectTLS, srv.DirectTLSPort}, {both, StartTLS, srv.DirectTLSPort}, {plain, StartTLS, srv.C2SPort}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		sess, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, CAFile: srv.CAFile, TLS: c.mode,
			Resolver: &xtls.Resolver{Server: c.dns}, NoIPv6: true})
		cancel()
		if err != nil {
			t.Fatalf("mode %d: %v", c.mode, err)
		}
		if got := sess.Conn().RemoteAddr().(*net.TCPAddr).Port; got != c.port {
			t.Errorf("mode %d: connected to port %d, want %d", c.mode, got, c.port)
		}
		sess.Abort()
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// SCRAM-PLUS where the server offers it (ejabberd; Prosody 0.12 offers
// no -PLUS), on TLS 1.2 with tls-unique, the type ejabberd 23.01 binds.
// (On TLS 1.3 the client binds with tls-exporter, which ejabberd 23.01
// refuses as "Invalid channel binding"; it advertises no XEP-0440
// types, so the client does not use -PLUS unless asked.)
func channelBound(t *testing.T, srv *xmpptest.Server) {
	if srv.Name != "ejabberd" {
		t.Skip(srv.Name + " offers no -PLUS mechanism")
	}
	alice := srv.Users[0]
	for _, c := range []struct {
		mech    string
		version uint16
	}{{"SCRAM-SHA-1-PLUS", tls.VersionTLS12}, {"SCRAM-SHA-256-PLUS", tls.VersionTLS12}, {"SCRAM-SHA-512-PLUS", tls.VersionTLS12}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		sess, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile,
			Mechanisms: []string{c.mech}, TLSConfig: &tls.Config{MaxVersion: c.version}})
		cancel()
		if err != nil {
			t.Errorf("%s over %s: %v", c.mech, tls.VersionName(c.version), err)
			continue
		}
		if sess.Mechanism != c.mech || sess.TLS.Version != c.version {
			t.Errorf("%s: session used %s over %s", c.mech, sess.Mechanism, tls.VersionName(sess.TLS.Version))
		}
		sess.Abort()
	}
}
