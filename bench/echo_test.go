package bench

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/echobot"
	"github.com/xmppcore/xmppcore/stream"
)

// The XEP-0114 echo benchmark. A loopback "server" accepts one
// component connection, checks its handshake, then blasts ~200-byte
// chat messages at it, at most window of them unanswered, and counts the
// replies. In sink mode the component answers only a final marker. One
// benchmark op is one stanza: ns/op is the time per stanza, allocs/op
// the allocations per stanza of the whole process (the server side
// allocates nothing in steady state).

const (
	benchDomain = "echo.bench.example"
	benchSecret = "s3cret"
	window      = 1000
	streamID    = "bench-stream-1"
)

var chatMessage = []byte(`<message from='juliet@capulet.example/balcony' to='bot@echo.bench.example' type='chat' id='b58675a2-0001'><body>fair o capulet what it art the my yonder window breaks</body></message>`)
var endMarker = []byte(`<message from='juliet@capulet.example/balcony' to='bot@echo.bench.example' type='chat' id='end'><body>end</body></message>`)

// component is the system under test: it connects to addr as an
// XEP-0114 component and echoes messages (in sink mode, only the
// marker), until the connection ends.
type component func(addr string, sink bool) (stop func(), err error)

// lastStats is the xmppcore component's counters, for syscall metrics.
var lastStats *stream.Stats

// serve runs the server side for n stanzas and returns how long the
// blast took, from the first message sent to the last reply read.
func serve(b *testing.B, ln net.Listener, n int, sink bool) time.Duration {
	conn, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	s := fastxml.NewScanner(conn, fastxml.Options{Stream: true, BufferSize: 64 << 10})
	if _, err := s.Next(); err != nil { // the component's header
		b.Fatal(err)
	}
	conn.Write([]byte(`<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='` + streamID + `' from='` + benchDomain + `'>`))
	var e fastxml.Element
	if k, err := s.NextElement(&e); err != nil || k != fastxml.WholeElement {
		b.Fatalf("handshake: %v %v", k, err)
	}
	sum := sha1.Sum([]byte(streamID + benchSecret))
	if string(e.Root().AppendText(nil)) != hex.EncodeToString(sum[:]) {
		b.Fatalf("bad handshake %s", e.Raw())
	}
	conn.Write([]byte(`<handshake/>`))

	tokens := make(chan struct{}, window)
	for i := 0; i < window; i++ {
		tokens <- struct{}{}
	}
	writeErr := make(chan error, 1)
	start := time.Now()
	go func() {
		const perWrite = 32
		batch := bytes.Repeat(chatMessage, perWrite)
		for sent := 0; sent < n; {
			k := min(perWrite, n-sent)
			if !sink {
				for i := 0; i < k; i++ {
					<-tokens
				}
			}
			if _, err := conn.Write(batch[:k*len(chatMessage)]); err != nil {
				writeErr <- err
				return
			}
			sent += k
		}
		if sink {
			conn.Write(endMarker)
		}
		writeErr <- nil
	}()
	want := n
	if sink {
		want = 1
	}
	for got := 0; got < want; {
		k, err := s.NextElement(&e)
		if err != nil {
			b.Fatalf("after %d replies: %v", got, err)
		}
		if k == fastxml.WholeElement {
			got++
			if !sink {
				select {
				case tokens <- struct{}{}:
				default:
				}
			}
		}
	}
	elapsed := time.Since(start)
	if err := <-writeErr; err != nil {
		b.Fatal(err)
	}
	conn.Write([]byte(`</stream:stream>`))
	return elapsed
}

func runEcho(b *testing.B, c component, sink bool) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	stop, err := c(ln.Addr().String(), sink)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	b.ReportAllocs()
	b.SetBytes(int64(len(chatMessage)))
	b.ResetTimer()
	elapsed := serve(b, ln, b.N, sink)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "stanzas/s")
	if st := lastStats; st != nil {
		b.ReportMetric(float64(st.Reads.Load())/float64(b.N), "reads/op")
		b.ReportMetric(float64(st.Writes.Load())/float64(b.N), "writes/op")
		lastStats = nil
	}
}

// xmppcoreComponent is the echo bot of `xmppbench bot`, with handlers
// on the dispatcher goroutine (the default).
func xmppcoreComponent(addr string, sink bool) (func(), error) {
	return xmppcoreBot(addr, sink, false)
}

// xmppcoreInline is the same bot with Config.Inline: handlers on the
// reader goroutine.
func xmppcoreInline(addr string, sink bool) (func(), error) {
	return xmppcoreBot(addr, sink, true)
}

func xmppcoreBot(addr string, sink, inline bool) (func(), error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := stream.New(conn, stream.Config{Namespace: stream.NSComponent, To: benchDomain, ComponentSecret: benchSecret, Inline: inline})
	lastStats = s.Stats()
	onlyID := ""
	if sink {
		onlyID = "end"
	}
	s.RegisterHandler(echobot.Handler(context.Background(), onlyID, nil))
	ctx := context.Background()
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	return func() { s.Abort(); <-done }, nil
}

// rawPipe echoes every byte after the handshake: the ceiling of any
// component on this machine and this harness.
func rawPipe(addr string, sink bool) (func(), error) {
	if sink {
		return nil, fmt.Errorf("no sink mode for the raw pipe")
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.Write([]byte(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='` + benchDomain + `'>`))
		// Read the server's header, answer with the handshake, swallow
		// the <handshake/>, then echo everything.
		buf := make([]byte, 64<<10)
		var got []byte
		for !bytes.HasSuffix(got, []byte("<handshake/>")) {
			n, err := conn.Read(buf[:1])
			if err != nil {
				return
			}
			got = append(got, buf[:n]...)
			if bytes.HasSuffix(got, []byte(streamID+"' from='"+benchDomain+"'>")) {
				sum := sha1.Sum([]byte(streamID + benchSecret))
				conn.Write([]byte("<handshake>" + hex.EncodeToString(sum[:]) + "</handshake>"))
			}
		}
		// A plain loop: io.Copy would try to splice the socket into itself.
		for {
			n, err := conn.Read(buf)
			if n > 0 {
				if _, werr := conn.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return func() { conn.Close(); <-done }, nil
}

// BenchmarkComponentEcho: every message answered, window 1000.
func BenchmarkComponentEcho(b *testing.B) {
	b.Run("xmppcore", func(b *testing.B) { runEcho(b, xmppcoreComponent, false) })
	b.Run("xmppcore-inline", func(b *testing.B) { runEcho(b, xmppcoreInline, false) })
	b.Run("gosrc", func(b *testing.B) { runEcho(b, gosrcComponent, false) })
	b.Run("rawpipe", func(b *testing.B) { runEcho(b, rawPipe, false) })
}

// BenchmarkComponentSink: messages only received; one final reply.
func BenchmarkComponentSink(b *testing.B) {
	b.Run("xmppcore", func(b *testing.B) { runEcho(b, xmppcoreComponent, true) })
	b.Run("xmppcore-inline", func(b *testing.B) { runEcho(b, xmppcoreInline, true) })
	b.Run("gosrc", func(b *testing.B) { runEcho(b, gosrcComponent, true) })
}
