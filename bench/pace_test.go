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
// busy. On this VM, within an hour, "one" took 140-254 ns, and "all"
// showed, minutes apart, each CPU anywhere from as fast as one alone to
// 2.3 times slower (bench/RESULTS.md, late evening of 2026-12-07).
// `make bench-peers` runs it in every round, so that each run's results
// come with the pace they were measured at.
func BenchmarkPace(b *testing.B) {
	b.Run("one", func(b *testing.B) {
		b.SetBytes(int64(len(benchpeer.Chat)))
		b.ReportAllocs()
		b.ResetTimer()
		parseChats(b, b.N, func() bool { return true })
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/stanza")
	})
	b.Run("all", func(b *testing.B) {
		b.SetBytes(int64(len(benchpeer.Chat)))
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			parseChats(b, 1<<40, pb.Next)
		})
		// b.N stanzas on GOMAXPROCS CPUs: each CPU's time per stanza.
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())*float64(runtime.GOMAXPROCS(0))/float64(b.N), "ns/stanza")
	})
}

// parseChats parses chat messages served from memory with a
// stream.Reader of its own, at most n while more says so, and checks
// the last.
func parseChats(b *testing.B, n int, more func() bool) {
	r := stream.NewReader(newChatSource(benchpeer.Chat, n), stream.ReaderConfig{BufferSize: 64 << 10})
	if _, err := r.ReadHeader(); err != nil {
		b.Error(err)
		return
	}
	var e fastxml.Element
	i := 0
	for ; i < n && more(); i++ {
		if err := r.Next(&e); err != nil {
			b.Error(err)
			return
		}
	}
	if i > 0 && !bytes.Equal(e.Raw(), benchpeer.Chat) {
		b.Errorf("the last stanza read was %q", e.Raw())
	}
}

// chatHeader is what a server sends a component first.
const chatHeader = `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='` + benchpeer.DefaultStreamID + `' from='` + benchDomain + `'>`

// newChatSource serves a component's stream of n chat messages from
// memory, in 64 KiB chunks, without a footer.
func newChatSource(stanza []byte, n int) io.Reader {
	return benchpeer.NewMemSource(chatHeader, stanza, 64<<10/len(stanza), n, "")
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
