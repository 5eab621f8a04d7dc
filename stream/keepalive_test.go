package stream

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// rawPeer reads what the stream writes into a channel of chunks.
func rawPeer(conn net.Conn) <-chan []byte {
	out := make(chan []byte, 64)
	go func() {
		defer close(out)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if n > 0 {
				out <- bytes.Clone(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// waitFor reads chunks until one satisfies ok.
func waitFor(t *testing.T, chunks <-chan []byte, what string, ok func([]byte) bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case c, open := <-chunks:
			if !open {
				t.Fatalf("connection ended before %s", what)
			}
			if ok(c) {
				return
			}
		case <-deadline:
			t.Fatalf("no %s", what)
		}
	}
}

// After KeepAlive without writing, the stream sends a single space.
func TestWhitespaceKeepAlive(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	s := New(a, Config{KeepAlive: 20 * time.Millisecond})
	go s.Run(context.Background())
	defer s.Abort()
	chunks := rawPeer(b)
	waitFor(t, chunks, "header", func(c []byte) bool { return bytes.HasPrefix(c, []byte("<?xml")) })
	b.Write([]byte(peerHeader))
	waitFor(t, chunks, "keepalive", func(c []byte) bool { return string(c) == " " })
}

// A silent peer is cut off after IdleTimeout with connection-timeout,
// sent to it as a stream error; with PingIdle it was pinged first.
func TestIdlePeerIsCutOff(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	s := New(a, Config{IdleTimeout: 80 * time.Millisecond, PingIdle: true})
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	chunks := rawPeer(b)
	waitFor(t, chunks, "header", func(c []byte) bool { return bytes.HasPrefix(c, []byte("<?xml")) })
	b.Write([]byte(peerHeader)) // and then nothing
	waitFor(t, chunks, "ping", func(c []byte) bool { return strings.Contains(string(c), "<ping xmlns='urn:xmpp:ping'/>") })
	waitFor(t, chunks, "stream error", func(c []byte) bool {
		return strings.Contains(string(c), "<connection-timeout xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
	})
	select {
	case err := <-done:
		if !errors.Is(err, ErrConnectionTimeout) {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}

// A peer that keeps talking is never cut off.
func TestTalkingPeerStays(t *testing.T) {
	s, p, done := runStream(t, Config{IdleTimeout: 300 * time.Millisecond}, nil)
	for i := 0; i < 50; i++ {
		p.write("<presence/>")
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned while the peer talked: %v", err)
	default:
	}
	s.Abort()
}
