package client

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stream"
)

// scriptedServer is a cleartext server that offers everything at every
// step (compression, stream management, PLAIN) and records the
// first-level elements the client sends, in order: what the client does
// with an offer is what these tests check.
func scriptedServer(t *testing.T) (addr string, sent chan []string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	sent = make(chan []string, 1)
	const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s' version='1.0'>`
	const offers = `<compression xmlns='http://jabber.org/features/compress'><method>zlib</method></compression><sm xmlns='urn:xmpp:sm:3'/>`
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var names []string
		defer func() { sent <- names }()
		r := stream.NewReader(c, stream.ReaderConfig{})
		if _, err := r.ReadHeader(); err != nil {
			return
		}
		c.Write([]byte(header + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>` + offers + `</stream:features>`))
		var e fastxml.Element
		for {
			if err := r.Next(&e); err != nil {
				return
			}
			root := e.Root()
			names = append(names, string(root.Local()))
			switch string(root.Local()) {
			case "auth":
				c.Write([]byte(`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`))
				r = stream.NewReader(c, stream.ReaderConfig{})
				if _, err := r.ReadHeader(); err != nil {
					return
				}
				c.Write([]byte(header + `<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>` + offers + `</stream:features>`))
			case "resume":
				c.Write([]byte(`<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`))
			case "iq":
				c.Write([]byte(`<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>a@example.test/r</jid></bind></iq>`))
			case "enable":
				c.Write([]byte(`<enabled xmlns='urn:xmpp:sm:3' id='new' resume='true'/>`))
				return
			default:
				return
			}
		}
	}()
	return ln.Addr().String(), sent
}

func clientSent(t *testing.T, sent chan []string) string {
	t.Helper()
	select {
	case names := <-sent:
		return strings.Join(names, ",")
	case <-time.After(5 * time.Second):
		t.Fatal("the server saw nothing")
		return ""
	}
}

// SECURITY-CASES 18: compression is never used before TLS (ejabberd
// CVE-2014-8760), even when asked for and offered.
func TestSecurityCase18NoCompressionBeforeTLS(t *testing.T) {
	addr, sent := scriptedServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sess, err := Dial(ctx, Config{JID: "a@example.test", Password: "p", Addr: addr, TLS: NoTLS, AllowPlainWithoutTLS: true, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	sess.Abort() // the server reports what it saw once the connection ends
	if sess.Compressed {
		t.Fatal("compressed without TLS")
	}
	if got := clientSent(t, sent); got != "auth,iq" {
		t.Fatalf("the client sent %s; want auth,iq (no compress)", got)
	}
}

// SECURITY-CASES 21: a resumption is asked for only after
// authentication, never in the features of the stream before it, even
// though the server offers stream management there.
func TestSecurityCase21NoResumeBeforeAuthentication(t *testing.T) {
	addr, sent := scriptedServer(t)
	sm := &stream.SM{}
	var e fastxml.Element
	r := stream.NewReader(nil, stream.ReaderConfig{})
	r.ResetBytes([]byte(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><enabled xmlns='urn:xmpp:sm:3' id='old' resume='true'/>`))
	if err := r.Next(&e); err != nil {
		t.Fatal(err)
	}
	if err := sm.HandleEnabled(e.Root(), nil); err != nil || !sm.Resumable() {
		t.Fatalf("setting up a resumable session: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sess, err := Dial(ctx, Config{JID: "a@example.test", Password: "p", Addr: addr, TLS: NoTLS, AllowPlainWithoutTLS: true, StreamManagement: sm})
	if err != nil {
		t.Fatal(err)
	}
	sess.Abort()
	if got := clientSent(t, sent); got != "auth,resume,iq,enable" {
		t.Fatalf("the client sent %s; want auth,resume,iq,enable", got)
	}
	if sess.Resumed || sm.ID() != "new" {
		t.Fatalf("after <failed/>: resumed %v, id %q", sess.Resumed, sm.ID())
	}
}

// The negotiation's failures are typed: a server that hangs up, sends
// an element SASL does not allow, or refuses stream management gives
// an error errors.Is can match.
func TestNegotiationErrorsAreTyped(t *testing.T) {
	const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s' version='1.0'>`
	const plain = `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`
	for _, c := range []struct {
		name  string
		sm    bool
		turns []string // the server's answer to each element the client sends
		want  error
	}{
		{"hang-up", false, []string{""}, ErrServerClosed},
		{"unexpected-element", false, []string{`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`}, ErrProtocol},
		{"bad-base64", false, []string{`<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>!!!</challenge>`}, ErrProtocol},
		{"sm-refused", true, []string{`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`,
			`<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>a@example.test/r</jid></bind></iq>`,
			`<failed xmlns='urn:xmpp:sm:3'><unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`}, stream.ErrSMProtocol},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := serveConns(t, func(conn net.Conn) {
				conn.Write([]byte(header + plain))
				buf := make([]byte, 4096)
				for _, turn := range c.turns {
					if _, err := conn.Read(buf); err != nil {
						return
					}
					if turn == "" {
						return // hang up
					}
					if strings.HasPrefix(turn, "<success") {
						// The client restarts the stream: its header gets the features.
						conn.Write([]byte(turn))
						if _, err := conn.Read(buf); err != nil {
							return
						}
						turn = header + `<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>`
					}
					conn.Write([]byte(turn))
				}
				conn.Read(buf)
			})
			cfg := Config{JID: "a@example.test", Password: "p", Addr: addr, TLS: NoTLS, AllowPlainWithoutTLS: true}
			if c.sm {
				cfg.StreamManagement = &stream.SM{}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := Dial(ctx, cfg)
			if !errors.Is(err, c.want) {
				t.Fatalf("Dial: %v, want %v", err, c.want)
			}
		})
	}
}
