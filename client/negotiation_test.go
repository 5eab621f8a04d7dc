package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/xmpptest"
	"github.com/xmppcore/xmppcore/stream"
	xtls "github.com/xmppcore/xmppcore/tls"
)

// fakeServer answers our header with its own and the given features,
// then reads what comes until the connection ends; with no features it
// never answers.
func fakeServer(t *testing.T, features string) string {
	return serveConns(t, func(c net.Conn) {
		if features != "" {
			c.Write([]byte(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s' version='1.0'>` + features))
		}
		io.Copy(io.Discard, c)
	})
}

// serveConns accepts connections on a loopback port, reads each
// client's stream header, and hands the connection to serve (closed
// when serve returns).
func serveConns(t *testing.T, serve func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := stream.NewReader(c, stream.ReaderConfig{}).ReadHeader(); err != nil {
					return
				}
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// Never a silent fall back to cleartext: a server without STARTTLS is
// refused, and PLAIN without TLS is refused unless allowed.
func TestSecurityCase18NoCleartextFallback(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := fakeServer(t, `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`)
	if _, err := Dial(ctx, Config{JID: "a@example.test", Password: "p", Addr: addr}); err != ErrNoStartTLS {
		t.Errorf("StartTLS against a server without it: %v", err)
	}
	if _, err := Dial(ctx, Config{JID: "a@example.test", Password: "p", Addr: addr, TLS: NoTLS}); err != ErrPlainInClear {
		t.Errorf("NoTLS with PLAIN only: %v", err)
	}
}

// Cancelling the context aborts a connection attempt stuck on a server
// that never answers (the seed's cancel_connection_attempt).
func TestCancelConnectionAttempt(t *testing.T) {
	addr := fakeServer(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() {
		_, err := Dial(ctx, Config{JID: "a@example.test", Password: "p", Addr: addr})
		result <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled attempt: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the attempt did not end when cancelled")
	}
}

// The certificate is checked against the XMPP domain, never the SRV
// target (mellium CVE-2022-24968): the domain's SRV record points at
// 127.0.0.1, whose certificate names only example.test; the handshake
// passes (and reaches SASL), as it would not if the target's name were
// checked.
func TestSecurityCase19CertificateCheckedAgainstDomain(t *testing.T) {
	cert, caFile := selfSigned(t, "example.test")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		if tc.Handshake() != nil {
			return
		}
		r := stream.NewReader(tc, stream.ReaderConfig{})
		r.ReadHeader()
		tc.Write([]byte(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s' version='1.0'>` +
			`<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`))
		var e fastxml.Element
		r.Next(&e)
		tc.Write([]byte(`<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>`))
	}()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	dnsAddr := xmpptest.DNS(t, map[string][]dns.RR{
		"_xmpps-client._tcp.example.test.": {xmpptest.SRV("_xmpps-client._tcp.example.test.", 0, 0, port, "127.0.0.1.")},
	})
	var dialed atomic.Bool
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = Dial(ctx, Config{JID: "a@example.test", Password: "p", CAFile: caFile, Resolver: &xtls.Resolver{Server: dnsAddr},
		Dialer: &net.Dialer{Control: func(string, string, syscall.RawConn) error { dialed.Store(true); return nil }}})
	var se *SASLError
	if !errors.As(err, &se) {
		t.Fatalf("Dial: %v (want the SASL failure that comes after a good handshake)", err)
	}
	if !dialed.Load() {
		t.Error("the Dialer's Control hook (the seed's configure_socket) was not called")
	}
}

// A refused certificate says why: a name other than the domain is a
// name mismatch, an expired one is expired (ssl_invalid_chain carries
// the same error).
func TestTLSErrorCauses(t *testing.T) {
	for _, c := range []struct {
		name    string
		expired bool
		cause   string
	}{{"other.test", false, "name mismatch"}, {"example.test", true, "expired or not yet valid"}} {
		cert, leaf := testCertValid(t, c.name, c.expired)
		roots := x509.NewCertPool()
		roots.AddCert(leaf)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
			tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
		}()
		var events stream.Events
		invalid := make(chan any, 1)
		events.Once(EventInvalidChain, func(d any) { invalid <- d })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = Dial(ctx, Config{JID: "a@example.test", Password: "p", Addr: ln.Addr().String(), TLS: DirectTLS,
			TLSConfig: &tls.Config{RootCAs: roots}, Stream: stream.Config{Events: &events}})
		cancel()
		ln.Close()
		var te *TLSError
		if !errors.As(err, &te) || te.Cause != c.cause {
			t.Errorf("%s (expired %v): %v, want cause %q", c.name, c.expired, err, c.cause)
			continue
		}
		select {
		case d := <-invalid:
			if d != any(te) {
				t.Errorf("ssl_invalid_chain data %v", d)
			}
		default:
			t.Error("no ssl_invalid_chain event")
		}
	}
}
