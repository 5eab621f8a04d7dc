package client

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/stream"
)

// fakeServer answers our header with its own and the given features,
// then reads what comes until the connection ends.
func fakeServer(t *testing.T, features string) string {
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
				r := stream.NewReader(c, stream.ReaderConfig{})
				if _, err := r.ReadHeader(); err != nil {
					return
				}
				if features == "" {
					io.Copy(io.Discard, c) // a server that never answers
					return
				}
				c.Write([]byte(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s' version='1.0'>` + features))
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// Never a silent fall back to cleartext: a server without STARTTLS is
// refused, and PLAIN without TLS is refused unless allowed.
func TestNoCleartextFallback(t *testing.T) {
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
