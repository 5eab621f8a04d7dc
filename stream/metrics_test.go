package stream

import (
	"context"
	"encoding/json"
	"expvar"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/metrics"
)

// Config.Metrics counts what the stream does: stanzas and bytes both
// ways, the queue back to empty, and the error that ended Run.
func TestStreamMetrics(t *testing.T) {
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			conn, peer := tcpPair(t)
			var m metrics.Counters
			s := New(conn, Config{Inline: inline, Metrics: &m})
			s.RegisterHandler(&Handler{Name: "echo", Match: MustPath("message/body"), Func: func(s *Stream, st *Stanza) {
				echoReply(t, s, st)
			}})
			done := make(chan error, 1)
			go func() { done <- s.Run(context.Background()) }()
			in := peerHeader
			const n = 50
			for i := 0; i < n; i++ {
				in += chat(i)
			}
			io.WriteString(peer, in)
			want := 0
			for i := 0; i < n; i++ {
				want += len(chatReply(i))
			}
			r := NewReader(peer, ReaderConfig{})
			if _, err := r.ReadHeader(); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if err := r.Next(new(fastxml.Element)); err != nil {
					t.Fatalf("reply %d: %v", i, err)
				}
			}
			io.WriteString(peer, chat(n)+"</stream:stream>") // one more, then the end
			io.WriteString(peer, "<bad")                     // after the footer: never read
			if err := <-done; err != nil {
				t.Fatalf("Run: %v", err)
			}
			snap := m.Snapshot()
			if snap.StanzasIn != n+1 || snap.StanzasOut != n+1 {
				t.Errorf("stanzas in %d, out %d; want %d each", snap.StanzasIn, snap.StanzasOut, n+1)
			}
			if snap.BytesIn < int64(len(in)) || snap.BytesOut < int64(want) {
				t.Errorf("bytes in %d (want ≥ %d), out %d (want ≥ %d)", snap.BytesIn, len(in), snap.BytesOut, want)
			}
			if snap.QueueDepth != 0 || snap.Errors != 0 {
				t.Errorf("queue depth %d, errors %d after a clean end; want 0, 0", snap.QueueDepth, snap.Errors)
			}

			// A stream that ends in an error counts it; the expvar
			// adapter publishes the registry's total as JSON.
			conn2, peer2 := tcpPair(t)
			var m2 metrics.Counters
			s2 := New(conn2, Config{Inline: inline, Metrics: &m2})
			go io.WriteString(peer2, peerHeader+"<message><body>unclosed</message>")
			go io.Copy(io.Discard, peer2)
			select {
			case err := <-func() chan error {
				c := make(chan error, 1)
				go func() { c <- s2.Run(context.Background()) }()
				return c
			}():
				if err == nil {
					t.Fatal("Run accepted a mismatched end tag")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not end")
			}
			var reg metrics.Registry
			reg.Add(&m)
			reg.Add(&m2)
			var out map[string]int64
			if err := json.Unmarshal([]byte(metrics.Var(&reg).String()), &out); err != nil {
				t.Fatal(err)
			}
			if out["errors"] != 1 || out["stanzas_in"] != n+1 {
				t.Errorf("published total %v: want 1 error and %d stanzas in", out, n+1)
			}
			_ = expvar.Var(metrics.Var(&reg))
		})
	}
}
