package bench

import (
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/benchpeer"
	"github.com/xmppcore/xmppcore/stream"
)

// BenchmarkPace is the VM's pace at the time, as xmppcore's code sees
// it: the component benchmarks' chat message parsed from memory by
// stream.Reader, no kernel and no peer, reported as ns of one CPU per
// stanza. "one" parses on one goroutine; "all" on one goroutine per CPU
// at once, as the component benchmarks keep both of this VM's CPUs
// busy. On this VM "one" has needed 140-280 ns within a day, and "all"
// showed, minutes apart, each CPU anywhere from as fast as one alone to
// 2.3 times slower (bench/RESULTS.md, late evening of 2026-12-07).
// `make bench-peers` runs it in every round, so that each run's results
// come with the pace they were measured at.
func BenchmarkPace(b *testing.B) {
	b.Run("one", func(b *testing.B) {
		b.SetBytes(int64(len(benchpeer.Chat)))
		b.ReportAllocs()
		b.ResetTimer()
		parseChats(b, b.N, func(int) bool { return true })
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/stanza")
	})
	b.Run("all", func(b *testing.B) {
		b.SetBytes(int64(len(benchpeer.Chat)))
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			parseChats(b, 1<<40, func(int) bool { return pb.Next() })
		})
		// b.N stanzas on GOMAXPROCS CPUs: each CPU's time per stanza.
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())*float64(runtime.GOMAXPROCS(0))/float64(b.N), "ns/stanza")
	})
}

// parseChats parses chat messages served from memory with a
// stream.Reader of its own while more(i) says so, and checks the last.
func parseChats(b *testing.B, n int, more func(i int) bool) {
	r := stream.NewReader(newChatSource(benchpeer.Chat, n), stream.ReaderConfig{BufferSize: 64 << 10})
	if _, err := r.ReadHeader(); err != nil {
		b.Error(err)
		return
	}
	var e fastxml.Element
	i := 0
	for ; i < n && more(i); i++ {
		if err := r.Next(&e); err != nil {
			b.Error(err)
			return
		}
	}
	if i > 0 && !bytes.Equal(e.Raw(), benchpeer.Chat) {
		b.Errorf("the last stanza read was %q", e.Raw())
	}
}

// chatSource serves a component's stream from memory: a header, then n
// copies of a stanza in 64 KiB chunks, then EOF.
type chatSource struct {
	chunk []byte // whole copies of the stanza
	per   int    // copies in chunk
	left  int    // copies still to serve
	piece []byte // what is being served
}

// chatHeader is what a server sends a component first.
const chatHeader = `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='` + benchpeer.DefaultStreamID + `' from='` + benchDomain + `'>`

func newChatSource(stanza []byte, n int) *chatSource {
	per := max(1, 64<<10/len(stanza))
	return &chatSource{chunk: bytes.Repeat(stanza, per), per: per, left: n, piece: []byte(chatHeader)}
}

func (c *chatSource) Read(p []byte) (int, error) {
	if len(c.piece) == 0 {
		if c.left == 0 {
			return 0, io.EOF
		}
		k := min(c.per, c.left)
		c.left -= k
		c.piece = c.chunk[:k*(len(c.chunk)/c.per)]
	}
	n := copy(p, c.piece)
	c.piece = c.piece[n:]
	return n, nil
}

// The pace benchmark parses every stanza it serves, and the source
// ends where it should.
func TestChatSource(t *testing.T) {
	const n = 1000 // more than one chunk
	r := stream.NewReader(newChatSource(benchpeer.Chat, n), stream.ReaderConfig{})
	if _, err := r.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	var e fastxml.Element
	for i := range n {
		if err := r.Next(&e); err != nil {
			t.Fatalf("stanza %d: %v", i, err)
		}
		if !bytes.Equal(e.Raw(), benchpeer.Chat) {
			t.Fatalf("stanza %d: %q", i, e.Raw())
		}
	}
	if err := r.Next(&e); err == nil {
		t.Fatalf("a stanza after the last: %q", e.Raw())
	}
}
