package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stream"
)

// With a client certificate configured, the session authenticates with
// SASL EXTERNAL (XEP-0178): the certificate goes with the TLS
// handshake, and <auth mechanism='EXTERNAL'> carries an empty
// response ("="). The fake server checks both, then accepts; it also
// checks SNI and ALPN of direct TLS (SECURITY-CASES 19).
func TestExternalWithClientCertificate(t *testing.T) {
	serverCert, caFile := selfSigned(t, "example.test")
	clientCert, clientLeaf := testCert(t, "alice@example.test")
	roots := x509.NewCertPool()
	roots.AddCert(clientLeaf)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const hdr = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s' version='1.0'>`
	served := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots,
			NextProtos: []string{"xmpp-client"}})
		if err := tc.Handshake(); err != nil {
			served <- "handshake: " + err.Error()
			return
		}
		// Direct TLS (XEP-0368): SNI is the XMPP domain, ALPN xmpp-client.
		if cs := tc.ConnectionState(); cs.ServerName != "example.test" || cs.NegotiatedProtocol != "xmpp-client" {
			served <- "SNI " + cs.ServerName + ", ALPN " + cs.NegotiatedProtocol
			return
		}
		r := stream.NewReader(tc, stream.ReaderConfig{})
		r.ReadHeader()
		tc.Write([]byte(hdr + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>EXTERNAL</mechanism></mechanisms></stream:features>`))
		var e fastxml.Element
		r.Next(&e)
		served <- string(e.Raw()) + " peer=" + tc.ConnectionState().PeerCertificates[0].Subject.CommonName
		tc.Write([]byte(`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`))
		r = stream.NewReader(tc, stream.ReaderConfig{})
		r.ReadHeader()
		tc.Write([]byte(hdr + `<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`))
		r.Next(&e)
		tc.Write([]byte(`<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/cert</jid></bind></iq>`))
		time.Sleep(100 * time.Millisecond)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := Dial(ctx, Config{JID: "alice@example.test", Addr: ln.Addr().String(), TLS: DirectTLS, CAFile: caFile,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{clientCert}}})
	if err != nil {
		t.Fatal(err)
	}
	if sess.Mechanism != "EXTERNAL" || sess.JID != "alice@example.test/cert" {
		t.Errorf("session %s as %s", sess.Mechanism, sess.JID)
	}
	got := <-served
	if !strings.HasPrefix(got, `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>`) || !strings.HasSuffix(got, "peer=alice@example.test") {
		t.Errorf("server saw %s", got)
	}
	sess.Abort()
}
