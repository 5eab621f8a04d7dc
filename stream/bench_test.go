package stream_test

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/benchpeer"
	"github.com/xmppcore/xmppcore/internal/echobot"
	"github.com/xmppcore/xmppcore/stream"
)

// memConn is a net.Conn that serves a stream header, then the same
// chunk of stanzas over and over until n stanzas have been read, then
// the peer's footer (benchpeer.MemSource), and the end once it is
// closed; what is written to it is counted and dropped. It measures a
// Stream's own cost, without a network or a peer.
type memConn struct {
	src     *benchpeer.MemSource
	written atomic.Int64
	once    sync.Once
	closed  chan struct{}
}

func newMemConn(stanza string, perChunk, n int) *memConn {
	return &memConn{
		src:    benchpeer.NewMemSource(benchHeader, []byte(stanza), perChunk, n, "</stream:stream>"),
		closed: make(chan struct{}),
	}
}

func (c *memConn) Read(p []byte) (int, error) {
	n, err := c.src.Read(p)
	if err == io.EOF {
		<-c.closed
	}
	return n, err
}

func (c *memConn) Write(p []byte) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	c.written.Add(int64(len(p)))
	return len(p), nil
}

func (c *memConn) Close() error                     { c.once.Do(func() { close(c.closed) }); return nil }
func (c *memConn) LocalAddr() net.Addr              { return nil }
func (c *memConn) RemoteAddr() net.Addr             { return nil }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

const benchChat = `<message from='juliet@capulet.example/balcony' to='bot@echo.bench.example' type='chat' id='b58675a2-0001'><body>fair o capulet what it art the my yonder window breaks</body></message>`

const benchHeader = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.com' version='1.0'>`

// BenchmarkStreamEcho is the component's side of the echo benchmark
// with the network taken out: a stanza parsed, matched, answered and
// written, per op. With the writer on the other core, ns/op is the
// reader's critical path; the process CPU time per stanza is reported
// as cpu-ns/op.
func BenchmarkStreamEcho(b *testing.B) {
	for _, inline := range []bool{false, true} {
		name := "ring"
		if inline {
			name = "inline"
		}
		b.Run(name, func(b *testing.B) {
			conn := newMemConn(benchChat, 300, b.N)
			s := stream.New(conn, stream.Config{Inline: inline})
			s.RegisterHandler(echobot.Handler(context.Background(), "", func(err error) { b.Error(err) }))
			b.SetBytes(int64(len(benchChat)))
			b.ReportAllocs()
			cpu0 := stream.CPUNanos()
			b.ResetTimer()
			if err := s.Run(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(stream.CPUNanos()-cpu0)/float64(b.N), "cpu-ns/op")
			if got := s.Stats().StanzasOut.Load(); got != uint64(b.N) { // the header is not a stanza
				b.Fatalf("%d replies for %d stanzas", got, b.N)
			}
		})
	}
}

// BenchmarkStreamSink is the component's side of the sink benchmark
// with the network taken out: a stanza parsed, matched and handed to
// the echo bot, which answers only the message with id "end" (none
// here), per op.
func BenchmarkStreamSink(b *testing.B) {
	conn := newMemConn(benchChat, 300, b.N)
	s := stream.New(conn, stream.Config{Inline: true})
	s.RegisterHandler(echobot.Handler(context.Background(), "end", func(err error) { b.Error(err) }))
	b.SetBytes(int64(len(benchChat)))
	b.ReportAllocs()
	b.ResetTimer()
	if err := s.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if in, out := s.Stats().StanzasIn.Load(), s.Stats().StanzasOut.Load(); in != uint64(b.N) || out != 0 {
		b.Fatalf("%d stanzas in and %d out for %d sent", in, out, b.N)
	}
}

// BenchmarkReaderNext is the stream's parsing alone: Reader.Next over
// chat messages served from memory (a stanza per op), with the checks
// Next makes of each first-level element.
func BenchmarkReaderNext(b *testing.B) {
	c := newMemConn(benchChat, 300, b.N)
	r := stream.NewReader(c, stream.ReaderConfig{BufferSize: 64 << 10})
	var e fastxml.Element
	if _, err := r.ReadHeader(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchChat)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := r.Next(&e); err != nil {
			b.Fatal(err)
		}
	}
}
