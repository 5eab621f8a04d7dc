package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stanzapool"
)

const peerHeader = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.com' version='1.0'>`

// testPeer is the other end of a stream: it reads what we send with a
// Reader of its own and writes raw bytes.
type testPeer struct {
	t      *testing.T
	conn   net.Conn
	got    chan string // first-level elements we sent, re-serialized
	header chan *Header
	closed chan error // the end of what we sent: nil after our footer
}

func newPeer(t *testing.T, conn net.Conn) *testPeer {
	p := &testPeer{t: t, conn: conn, got: make(chan string, 4096), header: make(chan *Header, 1), closed: make(chan error, 1)}
	go func() {
		r := NewReader(conn, ReaderConfig{})
		h, err := r.ReadHeader()
		if err != nil {
			p.closed <- err
			return
		}
		p.header <- h
		var e fastxml.Element
		for {
			err := r.Next(&e)
			if err == io.EOF && r.Closed() {
				p.closed <- nil
				return
			}
			if err != nil {
				p.closed <- err
				return
			}
			p.got <- string(e.Raw())
		}
	}()
	return p
}

func (p *testPeer) write(s string) {
	p.t.Helper()
	if _, err := p.conn.Write([]byte(s)); err != nil {
		p.t.Fatalf("peer write: %v", err)
	}
}

func (p *testPeer) expect(want string) {
	p.t.Helper()
	select {
	case got := <-p.got:
		if got != want {
			p.t.Fatalf("peer got %s\nwant %s", got, want)
		}
	case <-time.After(5 * time.Second):
		p.t.Fatalf("peer did not get %s", want)
	}
}

// runStream starts a Stream over a pipe and its peer.
func runStream(t *testing.T, cfg Config, setup func(s *Stream)) (*Stream, *testPeer, chan error) {
	t.Helper()
	a, b := net.Pipe()
	s := New(a, cfg)
	if setup != nil {
		setup(s)
	}
	p := newPeer(t, b)
	started := make(chan struct{})
	s.Events().Once(EventStreamStart, func(any) { close(started) })
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	select {
	case <-p.header:
	case <-time.After(5 * time.Second):
		t.Fatal("no header from the stream")
	}
	p.write(peerHeader)
	<-started
	t.Cleanup(func() { a.Close(); b.Close() })
	return s, p, done
}

func waitRun(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

// Stanzas reach handlers in order; replies built with stanza.Builder go
// out; the peer's footer ends Run with nil after ours is sent.
func TestEchoAndCleanClose(t *testing.T) {
	var seen []string
	s, p, done := runStream(t, Config{}, func(s *Stream) {
		s.RegisterHandler(&Handler{Name: "echo", Match: MustPath("message/body"), Func: func(s *Stream, st *Stanza) {
			seen = append(seen, string(st.Attr("id")))
			buf := s.NewBuffer()
			var b stanza.Builder
			b.Reset(buf.B)
			b.Message(string(st.Attr("from")), "", "chat", string(st.Attr("id")))
			b.Start("body").TextBytes(st.Root().ChildLocal("body").AppendText(nil)).End().End()
			buf.B = b.Bytes()
			if err := s.Send(context.Background(), buf); err != nil {
				t.Error(err)
			}
		}})
	})
	if got := s.Peer(); got.ID != "s1" || got.From != "example.com" {
		t.Errorf("peer header %+v", got)
	}
	for i := 0; i < 50; i++ {
		p.write(fmt.Sprintf(`<message from='romeo@example.net/o' id='m%d'><body>hi %d &amp; bye</body></message>`, i, i))
	}
	for i := 0; i < 50; i++ {
		p.expect(fmt.Sprintf(`<message to='romeo@example.net/o' type='chat' id='m%d'><body>hi %d &amp; bye</body></message>`, i, i))
	}
	p.write(`</stream:stream>`)
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := <-p.closed; err != nil {
		t.Fatalf("our footer: %v", err)
	}
	for i, id := range seen {
		if id != fmt.Sprintf("m%d", i) {
			t.Fatalf("handler order: %v", seen)
		}
	}
}

// Bad input from the peer: the matching stream error goes out, then our
// footer, and Run returns it with its condition.
func TestStreamErrorOnBadInput(t *testing.T) {
	for _, c := range []struct {
		in   string
		cond Condition
	}{
		{`<message><body></message>`, ErrNotWellFormed},
		{`<message><!-- x --></message>`, ErrRestrictedXML},
		// Text between stanzas is refused when its end is seen: the
		// scanner delivers a text token once the next '<' arrives.
		{`text<message/>`, ErrBadFormat},
	} {
		_, p, done := runStream(t, Config{}, nil)
		p.write(c.in)
		err := waitRun(t, done)
		if !errors.Is(err, c.cond) {
			t.Errorf("%s: Run returned %v, want %s", c.in, err, c.cond)
		}
		p.expect("<stream:error><" + string(c.cond) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>" + mustText(err) + "</text></stream:error>")
		if err := <-p.closed; err != nil {
			t.Errorf("%s: after the stream error: %v", c.in, err)
		}
	}
}

func mustText(err error) string {
	var se *Error
	if errors.As(err, &se) {
		return string(stanza.AppendAttrValue(nil, se.Text))
	}
	return ""
}

// A stream error from the peer ends Run with a *RemoteError.
func TestRemoteStreamError(t *testing.T) {
	s, p, done := runStream(t, Config{}, nil)
	got := make(chan any, 1)
	s.Events().On(EventStreamError, func(d any) { got <- d })
	p.write(`<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bye</text></stream:error></stream:stream>`)
	err := waitRun(t, done)
	var re *RemoteError
	if !errors.As(err, &re) || re.Condition != ErrSystemShutdown || re.Text != "bye" {
		t.Fatalf("Run: %v", err)
	}
	if d := <-got; d != re {
		t.Errorf("stream_error event carried %v", d)
	}
}

// A handler that panics is reported; the stream goes on.
func TestSecurityCase24HandlerPanicIsRecovered(t *testing.T) {
	panics := make(chan any, 1)
	var mu sync.Mutex
	var after []string
	s, p, done := runStream(t, Config{}, func(s *Stream) {
		s.RegisterHandler(&Handler{Name: "boom", Match: MatchID("boom"), Func: func(*Stream, *Stanza) { panic("boom") }})
		s.RegisterHandler(&Handler{Name: "all", Match: MatchAll, Func: func(_ *Stream, st *Stanza) {
			mu.Lock()
			after = append(after, string(st.Attr("id")))
			mu.Unlock()
		}})
		s.Events().On(EventException, func(v any) { panics <- v })
	})
	p.write(`<iq id='boom' type='get'/><iq id='next' type='get'/>`)
	if v := <-panics; v != "boom" {
		t.Errorf("exception event: %v", v)
	}
	s.Close()
	p.write(`</stream:stream>`)
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0] != "next" {
		t.Errorf("the stream did not go on after the panic: %v", after)
	}
}

// Handlers: order, before/after, once, continue, removal; filters in
// and out, in order, dropping with nil.
func TestHandlersAndFilters(t *testing.T) {
	var mu sync.Mutex
	var log []string
	rec := func(name string) func(*Stream, *Stanza) {
		return func(_ *Stream, st *Stanza) {
			mu.Lock()
			log = append(log, name+":"+string(st.Attr("id")))
			mu.Unlock()
		}
	}
	finished := make(chan struct{})
	s, p, done := runStream(t, Config{}, func(s *Stream) {
		s.RegisterHandler(&Handler{Name: "b", Match: MatchAll, Func: rec("b"), Continue: true})
		s.RegisterHandler(&Handler{Name: "a", Match: MatchAll, Func: rec("a"), Continue: true}, Where{Before: "b"})
		s.RegisterHandler(&Handler{Name: "once", Match: MatchAll, Func: rec("once"), Once: true, Continue: true}, Where{After: "a"})
		s.RegisterHandler(&Handler{Name: "c", Match: MatchAll, Func: rec("c")})
		s.RegisterHandler(&Handler{Name: "never", Match: MatchAll, Func: rec("never")})
		s.RegisterHandler(&Handler{Name: "end", Match: MatchID("end"), Func: func(*Stream, *Stanza) { close(finished) }}, Where{Before: "a"})
		s.AddInFilter(func(_ *Stream, st *Stanza) *Stanza {
			if string(st.Attr("id")) == "drop" {
				return nil
			}
			return st
		}, -1)
		s.AddOutFilter(func(s *Stream, b *stanzapool.Buffer) *stanzapool.Buffer {
			if strings.Contains(string(b.B), "secret") {
				b.Release()
				return nil
			}
			return b
		}, -1)
	})
	if !s.RemoveHandler("never") || s.RemoveHandler("missing") {
		t.Error("RemoveHandler")
	}
	p.write(`<iq id='1' type='get'/><iq id='drop' type='get'/><iq id='2' type='get'/><iq id='end' type='get'/>`)
	<-finished
	s.SendRaw(context.Background(), []byte(`<presence id='raw-secret-is-not-filtered'/>`))
	b := s.NewBuffer()
	b.B = append(b.B, `<presence id='secret'/>`...)
	s.Send(context.Background(), b)
	b = s.NewBuffer()
	b.B = append(b.B, `<presence id='public'/>`...)
	s.Send(context.Background(), b)
	p.expect(`<presence id='raw-secret-is-not-filtered'/>`)
	p.expect(`<presence id='public'/>`)
	s.Close()
	p.write(`</stream:stream>`)
	waitRun(t, done)
	want := "a:1 once:1 b:1 c:1 a:2 b:2 c:2"
	if got := strings.Join(log, " "); got != want {
		t.Errorf("handler log:\n%s\nwant\n%s", got, want)
	}
}

// When the peer does not read, the queue fills: TrySend says so at once
// and Send waits until its context ends. Nothing grows without bound.
func TestBackPressure(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	s := New(a, Config{QueueLen: 4})
	go s.Run(context.Background())
	// The peer never reads: the writer blocks on the header, then the
	// queue fills.
	fill := func() error {
		var err error
		for i := 0; i < 1000 && err == nil; i++ {
			err = s.TrySend(s.pool.Clone([]byte("<presence/>")))
		}
		return err
	}
	if err := fill(); err != ErrQueueFull {
		t.Fatalf("TrySend on a full queue: %v", err)
	}
	// The writer may still have been collecting a batch: once it is stuck
	// in its write, the queue stays full.
	time.Sleep(20 * time.Millisecond)
	if err := fill(); err != ErrQueueFull {
		t.Fatalf("TrySend on a full queue: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := s.Send(ctx, s.pool.Clone([]byte("<presence/>"))); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send on a full queue: %v", err)
	}
	s.Abort()
	<-s.Done()
	if err := s.SendRaw(context.Background(), []byte("x")); err != ErrClosed {
		t.Fatalf("send after the end: %v", err)
	}
}

// The peer hangs up in the middle of a stanza: Run reports it.
func TestDisconnectMidStanza(t *testing.T) {
	_, p, done := runStream(t, Config{}, nil)
	p.write(`<message><body>half`)
	p.conn.Close()
	err := waitRun(t, done)
	if !errors.Is(err, ErrNotWellFormed) {
		t.Fatalf("Run: %v", err)
	}
}

func TestNewIDIsUnique(t *testing.T) {
	s := New(nil, Config{})
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		id := s.NewID()
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
	if a, b := New(nil, Config{}).NewID(), New(nil, Config{}).NewID(); a == b {
		t.Errorf("two streams start with the same id %s", a)
	}
}

func TestEvents(t *testing.T) {
	var ev Events
	var got []string
	id := ev.On("x", func(d any) { got = append(got, "on:"+d.(string)) })
	ev.Once("x", func(d any) { got = append(got, "once:"+d.(string)) })
	if ev.Count("x") != 2 {
		t.Errorf("Count = %d", ev.Count("x"))
	}
	ev.Emit("x", "1")
	ev.Emit("x", "2")
	ev.Off(id)
	ev.Emit("x", "3")
	if strings.Join(got, " ") != "on:1 once:1 on:2" || ev.Count("x") != 0 {
		t.Errorf("got %v, count %d", got, ev.Count("x"))
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		ev.Emit("later", 42)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if d, err := ev.WaitUntil(ctx, "later"); err != nil || d != 42 {
		t.Errorf("WaitUntil: %v %v", d, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if _, err := ev.WaitUntil(short, "never"); !errors.Is(err, context.DeadlineExceeded) || ev.Count("never") != 0 {
		t.Errorf("WaitUntil timeout: %v, %d handlers left", err, ev.Count("never"))
	}
}

func TestComponentHandshake(t *testing.T) {
	got := string(ComponentHandshake(nil, "81199604-66ed-47c3-960f-053cb0105721", "secret"))
	if !strings.HasPrefix(got, "<handshake>") || len(got) != len("<handshake></handshake>")+40 {
		t.Fatalf("%s", got)
	}
	for _, c := range []struct {
		reply string
		want  error
	}{
		{`<handshake/>`, nil},
		{`<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`, ErrNotAuthorized},
		{`<message/>`, ErrHandshakeRefused},
	} {
		a, b := net.Pipe()
		s := New(a, Config{Namespace: NSComponent, To: "bot.example.com", ComponentSecret: "s3cret"})
		started := make(chan struct{})
		s.Events().On(EventSessionStart, func(any) { close(started) })
		p := newPeer(t, b)
		done := make(chan error, 1)
		go func() { done <- s.Run(context.Background()) }()
		<-p.header
		p.write(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='bot.example.com'>`)
		p.expect(string(ComponentHandshake(nil, "abc", "s3cret")))
		p.write(c.reply)
		if c.want == nil {
			<-started
			s.Close()
			p.write(`</stream:stream>`)
		}
		err := waitRun(t, done)
		if !errors.Is(err, c.want) && err != c.want {
			t.Errorf("reply %s: Run returned %v, want %v", c.reply, err, c.want)
		}
		a.Close()
		b.Close()
	}
}

// Stanzas sent before the session starts (before Run, or while the
// component handshake is under way) are held back: our header and the
// handshake go first, then they do, in order. Sent straight away, they
// would reach the server in place of the handshake.
func TestSendBeforeSessionStartWaitsForIt(t *testing.T) {
	for _, inline := range []bool{false, true} {
		a, b := net.Pipe()
		s := New(a, Config{Namespace: NSComponent, To: "bot.example.com", ComponentSecret: "s3cret", Inline: inline})
		ctx := context.Background()
		s.SendRaw(ctx, []byte(`<message id='1'/>`))
		p := newPeer(t, b)
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		<-p.header
		s.SendRaw(ctx, []byte(`<message id='2'/>`))
		p.write(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='bot.example.com'>`)
		p.expect(string(ComponentHandshake(nil, "abc", "s3cret")))
		select {
		case got := <-p.got:
			t.Fatalf("inline=%v: %s went out before the server accepted the handshake", inline, got)
		case <-time.After(50 * time.Millisecond):
		}
		p.write(`<handshake/>`)
		p.expect(`<message id='1'/>`)
		p.expect(`<message id='2'/>`)
		s.Close()
		p.write(`</stream:stream>`)
		if err := waitRun(t, done); err != nil {
			t.Errorf("inline=%v: Run: %v", inline, err)
		}
		a.Close()
		b.Close()
	}
}

// A negotiated stream (a client session's) has nothing to send before
// stanzas: what is sent before Run goes out even when Close comes
// first, ahead of the footer. (Held back for a session start that had
// happened already, such stanzas were dropped.)
func TestNegotiatedStreamSendsWhatCameBeforeRun(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	r := NewReader(a, ReaderConfig{})
	go b.Write([]byte(peerHeader))
	if _, err := r.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	s := New(a, Config{Negotiated: r, CloseWait: time.Second})
	got := make(chan string, 1)
	go func() {
		all, _ := io.ReadAll(b)
		got <- string(all)
	}()
	for i := 0; i < 3; i++ {
		if err := s.SendRaw(context.Background(), []byte(fmt.Sprintf("<message id='m%d'/>", i))); err != nil {
			t.Fatal(err)
		}
	}
	s.out.mu.Lock()
	held := len(s.out.gateEnd)
	s.out.mu.Unlock()
	if held != 0 {
		t.Fatalf("%d stanzas held back on a negotiated stream", held)
	}
	s.Close()
	s.Run(context.Background())
	a.Close()
	if want := "<message id='m0'/><message id='m1'/><message id='m2'/></stream:stream>"; <-got != want {
		t.Fatalf("the peer got something else than %s", want)
	}
}

// A stream that ends before its session starts never writes what was
// sent before then: a refused component handshake, or a Close before
// Run. Those stanzas come back in EventUnsent, in order, instead of
// being lost without a word; a session that starts hands nothing back.
func TestUnsentStanzasComeBack(t *testing.T) {
	for _, c := range []struct {
		name  string
		reply string // the server's answer to the handshake; "": Close before Run
		want  int    // stanzas handed back
	}{
		{"handshake refused", `<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`, 3},
		{"closed before Run", "", 3},
		{"session started", `<handshake/>`, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			s := New(a, Config{Namespace: NSComponent, To: "bot.example.com", ComponentSecret: "s3cret", CloseWait: 200 * time.Millisecond})
			var unsent [][]byte
			var events int
			s.Events().On(EventUnsent, func(data any) {
				events++
				for _, st := range data.([][]byte) {
					unsent = append(unsent, append([]byte(nil), st...))
				}
			})
			ctx := context.Background()
			for i := 0; i < 3; i++ {
				if err := s.SendRaw(ctx, []byte(fmt.Sprintf("<message id='m%d'/>", i))); err != nil {
					t.Fatal(err)
				}
			}
			p := newPeer(t, b)
			done := make(chan error, 1)
			if c.reply == "" {
				s.Close()
			}
			go func() { done <- s.Run(ctx) }()
			if c.reply != "" {
				<-p.header
				p.write(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='bot.example.com'>`)
				p.expect(string(ComponentHandshake(nil, "abc", "s3cret")))
				p.write(c.reply)
				if c.want == 0 {
					for i := 0; i < 3; i++ {
						p.expect(fmt.Sprintf("<message id='m%d'/>", i))
					}
					s.Close()
					p.write(`</stream:stream>`)
				}
			}
			waitRun(t, done)
			if len(unsent) != c.want {
				t.Fatalf("%d stanzas handed back in %d events, want %d", len(unsent), events, c.want)
			}
			for i, st := range unsent {
				if want := fmt.Sprintf("<message id='m%d'/>", i); string(st) != want {
					t.Errorf("unsent[%d] = %s, want %s", i, st, want)
				}
			}
			if c.want > 0 && events != 1 {
				t.Errorf("%d unsent events, want 1", events)
			}
		})
	}
}
