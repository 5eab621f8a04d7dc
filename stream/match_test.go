package stream

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stanzapool"
)

// stanzaOf reads one first-level element of a jabber:client stream.
func stanzaOf(t testing.TB, xml string) *Stanza {
	t.Helper()
	r := NewReader(strings.NewReader(peerHeader+xml), ReaderConfig{})
	var e fastxml.Element
	if err := r.Next(&e); err != nil {
		t.Fatal(err)
	}
	return fill(nil, &e)
}

func TestMatchers(t *testing.T) {
	msg := stanzaOf(t, `<message id='m1' type='chat' from='juliet@example.com/b'><body>hi</body><x xmlns='jabber:x:oob'><url>u</url></x></message>`)
	reply := stanzaOf(t, `<iq id='q1' type='result' from='juliet@example.com/b'/>`)
	forged := stanzaOf(t, `<iq id='q1' type='result' from='mallory@example.org'/>`)
	for _, c := range []struct {
		name string
		m    Matcher
		st   *Stanza
		want bool
	}{
		{"id", MatchID("m1"), msg, true},
		{"other id", MatchID("m2"), msg, false},
		{"path", MustPath("message/body"), msg, true},
		{"path with namespace", MustPath("message/{jabber:x:oob}x/url"), msg, true},
		{"path, wrong namespace", MustPath("message/{urn:other}x"), msg, false},
		{"path, missing child", MustPath("message/subject"), msg, false},
		{"path, root with namespace", MustPath("{jabber:client}message"), msg, true},
		{"mask", MustMask(`<message type='chat'><body/></message>`), msg, true},
		{"mask with text and namespace", MustMask(`<message><x xmlns='jabber:x:oob'><url>u</url></x></message>`), msg, true},
		{"mask, wrong attribute", MustMask(`<message type='normal'/>`), msg, false},
		{"mask, wrong text", MustMask(`<message><body>bye</body></message>`), msg, false},
		{"reply from the peer asked", MatchReply{ID: "q1", From: "juliet@example.com/b"}, reply, true},
		{"forged reply: same id, other peer", MatchReply{ID: "q1", From: "juliet@example.com/b"}, forged, false},
		{"reply: not an iq", MatchReply{ID: "m1", From: "juliet@example.com/b"}, msg, false},
	} {
		if got := c.m.Match(c.st); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if n := testing.AllocsPerRun(100, func() { c.m.Match(c.st) }); n != 0 {
			t.Errorf("%s: %v allocations per match", c.name, n)
		}
	}
	for _, bad := range []string{"", "a//b", "{urn:x", "{urn:x}"} {
		if _, err := Path(bad); err == nil {
			t.Errorf("Path(%q) accepted", bad)
		}
	}
	if _, err := Mask(`<message>`); err == nil {
		t.Error("Mask accepted malformed XML")
	}
}

// Receive → filter → match → handler allocates nothing once warm, on
// a real Stream fed over a pipe, with handlers on the dispatcher
// goroutine (stanzas copied into ring slots) and inline on the reader.
func TestDispatchAllocatesNothing(t *testing.T) {
	if raceEnabled || stanzapool.Debug {
		t.Skip("checked in the plain build, without -race")
	}
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			const perStep = 10
			seen := make(chan struct{}, 1)
			hits := 0
			s, p, _ := runStream(t, Config{Inline: inline}, func(s *Stream) {
				s.RegisterHandler(&Handler{Name: "body", Match: MustPath("message/body"), Func: func(_ *Stream, st *Stanza) {
					if hits++; hits%perStep == 0 {
						seen <- struct{}{}
					}
				}})
				s.AddInFilter(func(_ *Stream, st *Stanza) *Stanza { return st }, -1)
			})
			chunk := []byte(strings.Repeat(`<message from='a@b/c' id='x'><body>hi</body></message>`, perStep))
			step := func() {
				if _, err := p.conn.Write(chunk); err != nil {
					t.Fatal(err)
				}
				<-seen
			}
			// Warm up past one round of the dispatch ring: each slot gets
			// its Stanza the first time it is used.
			warm := 1024/perStep + 10
			for i := 0; i < warm; i++ {
				step()
			}
			if n := testing.AllocsPerRun(200, step) / perStep; n != 0 {
				t.Errorf("%v allocations per received stanza", n)
			}
			if want := (warm + 201) * perStep; hits != want { // AllocsPerRun steps once more to warm up
				t.Errorf("handler ran %d times, want %d", hits, want)
			}
			s.Abort()
		})
	}
}

// Build → send allocates nothing: a pooled buffer, the Builder, the
// queue and the writer; and built in place with SendAppend.
func TestSendAllocatesNothing(t *testing.T) {
	if raceEnabled || stanzapool.Debug {
		t.Skip("checked in the plain build, without -race")
	}
	for _, inPlace := range []bool{false, true} {
		t.Run(fmt.Sprintf("SendAppend=%v", inPlace), func(t *testing.T) { checkSendAllocates(t, inPlace) })
	}
}

func checkSendAllocates(t *testing.T, inPlace bool) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	startReading := make(chan struct{})
	go func() { // the peer sends its header, then reads everything, once told to
		b.Write([]byte(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x'>`))
		<-startReading
		buf := make([]byte, 64<<10)
		for {
			if _, err := b.Read(buf); err != nil {
				return
			}
		}
	}()
	s := New(a, Config{})
	go s.Run(context.Background())
	var bld stanza.Builder
	id := make([]byte, 0, 32)
	ctx := context.Background()
	build := func(dst []byte) []byte {
		bld.ResetAppend(dst)
		id = s.AppendID(id[:0])
		bld.Message("romeo@example.net/orchard", "", "chat", "")
		bld.AttrBytes("id", id)
		bld.Element("body", "hello").End()
		return bld.Bytes()
	}
	send := func() {
		var err error
		if inPlace {
			err = s.SendAppend(ctx, build)
		} else {
			buf := s.NewBuffer()
			buf.B = build(buf.B)
			err = s.Send(ctx, buf)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// Warm up to the largest number of buffers that can be in flight:
	// with the peer not reading, the queue fills; then let it read.
	warm := make(chan struct{})
	go func() {
		for i := 0; i < 4000; i++ {
			send()
		}
		close(warm)
	}()
	time.Sleep(50 * time.Millisecond)
	close(startReading)
	<-warm
	if n := testing.AllocsPerRun(4000, send); n != 0 {
		t.Errorf("%v allocations per stanza built and sent", n)
	}
	s.Abort()
}

// Under load the writer coalesces: over loopback TCP, 20,000 stanzas
// sent as fast as possible take at most one write per 20 of them, and
// a lone stanza still leaves at once.
func TestWriterCoalesces(t *testing.T) {
	if raceEnabled || stanzapool.Debug {
		t.Skip("checked in the plain build, without -race")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	received := make(chan int, 1)
	lone := make(chan struct{}, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x'>`))
		buf := make([]byte, 256<<10)
		var all []byte
		for {
			n, err := c.Read(buf)
			all = append(all, buf[:n]...)
			if bytes.HasSuffix(all, []byte("<lone/>")) {
				lone <- struct{}{}
			}
			if err != nil {
				received <- bytes.Count(all, []byte("<presence/>"))
				return
			}
		}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := New(conn, Config{QueueLen: 4096})
	started := make(chan struct{})
	s.Events().Once(EventSessionStart, func(any) { close(started) })
	go s.Run(context.Background())
	<-started // sends before the session starts are held back until it does
	const n = 20000
	ctx := context.Background()
	before := s.Stats().Writes.Load()
	for i := 0; i < n; i++ {
		b := s.NewBuffer()
		b.B = append(b.B, "<presence/>"...)
		if err := s.Send(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	// A lone stanza after the burst is written without waiting for more.
	time.Sleep(50 * time.Millisecond)
	s.SendRaw(ctx, []byte("<lone/>"))
	select {
	case <-lone:
	case <-time.After(5 * time.Second):
		t.Fatal("a lone stanza was not flushed")
	}
	writes := s.Stats().Writes.Load() - before
	s.Abort()
	<-s.Done()
	if got := <-received; got != n {
		t.Errorf("peer received %d stanzas, want %d", got, n)
	}
	if writes > n/20+2 {
		t.Errorf("%d writes for %d stanzas, want at most one per 20", writes, n)
	}
	t.Logf("%d stanzas in %d writes", n, writes)
}

// Stanza.Attr gives an unprefixed attribute's raw value: nil when there
// is none, empty (not nil) when it is empty, and never a prefixed one.
func TestStanzaAttr(t *testing.T) {
	st := stanzaOf(t, `<message xmlns='jabber:client' xmlns:a='urn:a' id='' a:to='p' to='r&amp;d' type="chat"/>`)
	for _, c := range []struct {
		local string
		want  string
		isNil bool
	}{
		{"id", "", false}, {"to", "r&amp;d", false}, {"type", "chat", false}, {"from", "", true}, {"a:to", "", true},
	} {
		got := st.Attr(c.local)
		if string(got) != c.want || (got == nil) != c.isNil {
			t.Errorf("Attr(%q) = %q (nil %v), want %q (nil %v)", c.local, got, got == nil, c.want, c.isNil)
		}
	}
}
