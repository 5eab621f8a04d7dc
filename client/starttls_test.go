package client

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stream"
)

// STARTTLS injection: bytes a man in the middle appends in clear after
// <proceed/> must never be read as coming from inside TLS. The fake
// server sends, in the same write as <proceed/>, a forged stream header
// and features offering only X-INJECTED: the session aborts. Without
// the injection, the same server's session negotiates with what comes
// over TLS (PLAIN).
func TestSecurityCase17PlaintextAfterProceed(t *testing.T) {
	cert, caFile := selfSigned(t, "example.test")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const hdr = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s%d' version='1.0'>`
	served := make(chan string, 1)
	serve := func(inject bool) {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := stream.NewReader(c, stream.ReaderConfig{})
		r.ReadHeader()
		c.Write([]byte(strings.Replace(hdr, "%d", "1", 1) + `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`))
		var e fastxml.Element
		r.Next(&e) // <starttls/>
		proceed := `<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`
		if inject {
			proceed += strings.Replace(hdr, "%d", "X", 1) +
				`<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>X-INJECTED</mechanism></mechanisms></stream:features>`
		}
		c.Write([]byte(proceed))
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		if tc.Handshake() != nil {
			served <- "no TLS"
			return
		}
		r = stream.NewReader(tc, stream.ReaderConfig{})
		r.ReadHeader()
		tc.Write([]byte(strings.Replace(hdr, "%d", "2", 1) + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`))
		r.Next(&e) // <auth/>
		served <- string(e.Raw())
		tc.Write([]byte(`<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>`))
	}
	cfg := Config{JID: "a@example.test", Password: "p", Addr: ln.Addr().String(), CAFile: caFile}

	go serve(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Dial(ctx, cfg); err != ErrPlaintextAfterProceed {
		t.Fatalf("with plaintext after <proceed/>: %v", err)
	}
	if got := <-served; got != "no TLS" {
		t.Errorf("the session went on: %s", got)
	}

	go serve(false)
	_, err = Dial(ctx, cfg)
	se, ok := err.(*SASLError)
	if !ok || se.Mechanism != "PLAIN" {
		t.Fatalf("Dial: %v (want the PLAIN failure the real server sends)", err)
	}
	if auth := <-served; !strings.Contains(auth, "mechanism='PLAIN'") {
		t.Errorf("auth sent: %s", auth)
	}
}

// selfSigned makes a certificate for name, and a PEM file holding it
// (as its own CA).
func selfSigned(t *testing.T, name string) (tls.Certificate, string) {
	cert, leaf := testCert(t, name)
	f := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, f
}
