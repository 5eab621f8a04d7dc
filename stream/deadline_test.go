package stream

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// SECURITY-CASES 16, at the stream layer: a peer that stays silent, or
// trickles its header a byte at a time, or never answers a component's
// handshake, is cut off by OpenTimeout with connection-timeout, which
// it is told in a stream error.
func TestSecurityCase16Slowloris(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		peer func(p *testPeer, stop <-chan struct{})
	}{
		{"silent", Config{}, func(*testPeer, <-chan struct{}) {}},
		{"trickled-header", Config{}, func(p *testPeer, stop <-chan struct{}) {
			for i := 0; i < len(peerHeader); i++ {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := p.conn.Write([]byte{peerHeader[i]}); err != nil {
					return
				}
			}
		}},
		{"no-handshake-answer", Config{Namespace: NSComponent, ComponentSecret: "s"}, func(p *testPeer, stop <-chan struct{}) {
			p.conn.Write([]byte(strings.Replace(peerHeader, "jabber:client", NSComponent, 1)))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			c.cfg.OpenTimeout = 300 * time.Millisecond
			s := New(a, c.cfg)
			p := newPeer(t, b)
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- s.Run(context.Background()) }()
			<-p.header
			stop := make(chan struct{})
			defer close(stop)
			go c.peer(p, stop)
			err := waitRun(t, done)
			var se *Error
			if !errors.As(err, &se) || se.Condition != ErrConnectionTimeout {
				t.Fatalf("Run: %v, want connection-timeout", err)
			}
			if d := time.Since(start); d < 300*time.Millisecond {
				t.Fatalf("cut after %v, before OpenTimeout", d)
			}
			var got string
			for got == "" || strings.HasPrefix(got, "<handshake") {
				select {
				case got = <-p.got:
				case <-time.After(5 * time.Second):
					t.Fatal("no stream error sent")
				}
			}
			if !strings.Contains(got, "<connection-timeout") {
				t.Fatalf("sent %s, want a connection-timeout stream error", got)
			}
		})
	}
}

// A stream whose peer opens in time goes on past OpenTimeout: the
// deadline covers the opening only.
func TestOpenTimeoutEndsWithTheOpening(t *testing.T) {
	s, p, done := runStream(t, Config{OpenTimeout: 100 * time.Millisecond}, nil)
	time.Sleep(250 * time.Millisecond)
	if err := s.SendRaw(context.Background(), []byte("<message id='late'/>")); err != nil {
		t.Fatal(err)
	}
	p.expect("<message id='late'/>")
	p.write("<message id='in'/></stream:stream>")
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
