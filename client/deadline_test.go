package client

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// SECURITY-CASES 16, at the session layer: a server that stays silent,
// or trickles its header and features a byte at a time, is given up on
// after NegotiationTimeout with ErrNegotiationTimeout, even when the
// caller's context has no deadline.
func TestSecurityCase16SlowServer(t *testing.T) {
	trickle := func(c net.Conn) {
		msg := `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>`
		for i := 0; i < len(msg); i++ {
			time.Sleep(20 * time.Millisecond)
			if _, err := c.Write([]byte{msg[i]}); err != nil {
				return
			}
		}
	}
	for _, c := range []struct {
		name string
		addr string
	}{
		{"silent", fakeServer(t, "")},
		{"trickle", serveConns(t, trickle)},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := Dial(context.Background(), Config{JID: "a@example.test", Password: "p", Addr: c.addr, NegotiationTimeout: 300 * time.Millisecond})
			if !errors.Is(err, ErrNegotiationTimeout) {
				t.Fatalf("Dial: %v, want ErrNegotiationTimeout", err)
			}
			if d := time.Since(start); d < 300*time.Millisecond || d > 10*time.Second {
				t.Fatalf("gave up after %v", d)
			}
		})
	}
}
