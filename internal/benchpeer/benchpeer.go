// Package benchpeer is the server side of the component benchmarks and
// of `xmppbench serve`: a minimal XEP-0114 server that accepts
// components, checks their handshake, and then, by the component's
// domain, sends it chat messages as fast as it takes them and counts its
// replies, or reflects what it sends. It runs in a process of its own,
// so that the component's CPU time and memory are measured apart from
// it.
//
// The domain a component asks for picks what the peer does: its first
// label is the mode, further labels of the form letter+number set
// parameters.
//
//	echo.n1000000.s200.bench   send 1 000 000 messages of 200 bytes, at
//	                           most w (default 1000) unanswered; count
//	                           the replies; then close the stream
//	sink.n1000000.bench        send them all, then a message with id
//	                           "end"; close once that one is answered
//	anything else              reflect: send back everything received,
//	                           unchanged, as it comes (latency probes,
//	                           idle streams, users' own bots)
package benchpeer

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
)

// Config describes one run. The zero value is completed with the
// defaults below.
type Config struct {
	Domain, Secret string // the component's domain and shared secret
	StreamID       string // the id of our stream header
	Stanzas        int    // messages to send
	Window         int    // most messages unanswered at once (echo); default 1000
	PerWrite       int    // messages per write; default 32
	Sink           bool   // only a final marker is answered
	Message        []byte // the message to send; default Chat
}

// Chat is the default message: a 200-byte chat message.
var Chat = []byte(`<message from='juliet@capulet.example/balcony' to='bot@echo.bench.example' type='chat' id='b58675a2-0001'><body>fair o capulet what it art the my yonder window breaks</body></message>`)

// Message returns a chat message like Chat, its body padded so that the
// whole stanza is size bytes (at least Chat's length with an empty
// body).
func Message(size int) []byte {
	head, _, _ := bytes.Cut(Chat, []byte("<body>"))
	head = append(head[:len(head):len(head)], "<body>"...)
	tail := "</body></message>"
	n := max(size-len(head)-len(tail), 0)
	m := append(head, bytes.Repeat([]byte("x"), n)...)
	return append(m, tail...)
}

// endMarker is sent last in sink mode; the component answers it.
var endMarker = []byte(`<message from='juliet@capulet.example/balcony' to='bot@echo.bench.example' type='chat' id='end'><body>end</body></message>`)

// DefaultStreamID is the id of our stream header unless Config says.
const DefaultStreamID = "bench-stream-1"

// EndID is the id of the message a sink component answers.
const EndID = "end"

// Result is what a run measured.
type Result struct {
	Elapsed time.Duration // from the first message sent to the last reply read
	Replies int
}

func (c *Config) defaults() {
	if c.StreamID == "" {
		c.StreamID = DefaultStreamID
	}
	if c.Window <= 0 {
		c.Window = 1000
	}
	if c.PerWrite <= 0 {
		c.PerWrite = 32
	}
	c.PerWrite = min(c.PerWrite, c.Window) // a write waits for its whole credit
	if c.Message == nil {
		c.Message = Chat
	}
}

// Serve accepts one component on ln and runs cfg against it.
func Serve(ln net.Listener, cfg Config) (Result, error) {
	cfg.defaults()
	conn, err := ln.Accept()
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()
	s := fastxml.NewScanner(conn, fastxml.Options{Stream: true, BufferSize: 64 << 10})
	if _, err := s.Next(); err != nil { // the component's header
		return Result{}, fmt.Errorf("header: %w", err)
	}
	if err := handshake(conn, s, cfg.Domain, cfg.StreamID, cfg.Secret); err != nil {
		return Result{}, err
	}
	return blast(conn, s, conn, cfg)
}

// handshake answers a component's stream header (already read) and
// checks its XEP-0114 handshake.
func handshake(conn net.Conn, s *fastxml.Scanner, domain, id, secret string) error {
	if _, err := io.WriteString(conn, `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='`+id+`' from='`+domain+`'>`); err != nil {
		return err
	}
	var e fastxml.Element
	if k, err := s.NextElement(&e); err != nil || k != fastxml.WholeElement {
		return fmt.Errorf("handshake: %v %v", k, err)
	}
	sum := sha1.Sum([]byte(id + secret))
	if string(e.Root().AppendText(nil)) != hex.EncodeToString(sum[:]) {
		io.WriteString(conn, `<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`)
		return errors.New("benchpeer: wrong handshake")
	}
	_, err := io.WriteString(conn, `<handshake/>`)
	return err
}

// blast sends cfg.Stanzas messages and counts the replies.
func blast(conn net.Conn, s *fastxml.Scanner, src io.Reader, cfg Config) (Result, error) {
	var e fastxml.Element
	// credit is how many more messages may go out unanswered. The
	// writer waits for a whole write's worth, and the reader wakes it
	// once, when the credit reaches that: one wake-up per write, not
	// one per message.
	var credit atomic.Int64
	credit.Store(int64(cfg.Window))
	wake := make(chan struct{}, 1)
	done := make(chan struct{}) // the reader has stopped: so does the writer
	defer close(done)
	writeErr := make(chan error, 1)
	start := time.Now()
	go func() {
		batch := bytes.Repeat(cfg.Message, cfg.PerWrite)
		for sent := 0; sent < cfg.Stanzas; {
			k := min(cfg.PerWrite, cfg.Stanzas-sent)
			if !cfg.Sink {
				for credit.Load() < int64(k) {
					select {
					case <-wake:
					case <-done:
						writeErr <- net.ErrClosed
						return
					}
				}
				credit.Add(-int64(k))
			}
			if _, err := conn.Write(batch[:k*len(cfg.Message)]); err != nil {
				writeErr <- err
				return
			}
			sent += k
		}
		if cfg.Sink {
			conn.Write(endMarker)
		}
		writeErr <- nil
	}()
	want := cfg.Stanzas
	if cfg.Sink {
		want = 1
	}
	var res Result
	answered := func(n int) {
		res.Replies += n
		if c := int64(cfg.PerWrite); !cfg.Sink && n > 0 {
			if now := credit.Add(int64(n)); now >= c && now-int64(n) < c {
				select {
				case wake <- struct{}{}:
				default: // a wake-up is pending already
				}
			}
		}
	}
	// What the scanner has buffered past the handshake is read as
	// elements (a component sends nothing before our first message, but
	// it may); the rest is counted, not parsed: see tagCounter.
	for s.Buffered() > 0 && res.Replies < want {
		k, err := s.NextElement(&e)
		switch {
		case err != nil:
			return res, fmt.Errorf("after %d replies: %w", res.Replies, err)
		case k == fastxml.EndElement:
			return res, fmt.Errorf("after %d replies: the component closed its stream", res.Replies)
		case k == fastxml.WholeElement && string(e.Root().Local()) == "message":
			answered(1)
		}
	}
	var tags tagCounter
	for res.Replies < want {
		n, closed, err := tags.read(src)
		answered(n)
		if closed {
			return res, fmt.Errorf("after %d replies: the component closed its stream", res.Replies)
		}
		if err != nil && res.Replies < want {
			return res, fmt.Errorf("after %d replies: %w", res.Replies, err)
		}
	}
	res.Elapsed = time.Since(start)
	if err := <-writeErr; err != nil {
		return res, err
	}
	conn.Write([]byte(`</stream:stream>`))
	return res, nil
}

// tagCounter counts the replies of a flood: the </message> end tags in
// what the component sends, read 64 KiB at a time and not parsed. The
// peer is the load, not the system under test: parsing every reply
// (with fastxml, 110 ns each) made it the bottleneck of the raw pipe
// (2.5M/s, against 3.6M/s counting) and slowed every component's
// rounds. What the components send is checked by their own tests.
type tagCounter struct {
	buf  []byte
	keep int // bytes kept from the last read: a tag it cut short
}

// The end tags that tagCounter tells apart, after "</" and before any
// whitespace and '>'.
const (
	tagMessage = "message"
	tagStream  = "stream:stream"
)

// Kinds of what follows a "</".
const (
	tagOther = iota
	tagMessageEnd
	tagStreamEnd
	tagCut // the input ends before it can tell
)

// endTag tells which end tag rest (what follows a "</") begins, and how
// long that tag is.
func endTag(rest []byte) (kind, n int) {
	for _, t := range [...]struct {
		name string
		kind int
	}{{tagMessage, tagMessageEnd}, {tagStream, tagStreamEnd}} {
		m := min(len(rest), len(t.name))
		if string(rest[:m]) != t.name[:m] {
			continue
		}
		if m < len(t.name) {
			return tagCut, 0
		}
		i := m
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == '\r' || rest[i] == '\n') {
			i++
		}
		switch {
		case i == len(rest):
			if i > maxCut {
				return tagOther, 0 // whitespace without end: not well-formed
			}
			return tagCut, 0
		case rest[i] == '>':
			return t.kind, i + 1
		}
		// A longer name (</messages>): not one of ours.
	}
	return tagOther, 0
}

// maxCut bounds what tagCounter keeps of a tag cut short.
const maxCut = 256

// read makes one read from r and returns the </message> tags it
// completed, and whether it saw </stream:stream>.
func (c *tagCounter) read(r io.Reader) (messages int, closed bool, err error) {
	if c.buf == nil {
		c.buf = make([]byte, 64<<10)
	}
	n, err := r.Read(c.buf[c.keep:])
	data := c.buf[:c.keep+n]
	c.keep = 0
	for {
		// Every '<' is looked at (a reply has four): one IndexByte per
		// '<' cost less than bytes.Index for "</" per end tag
		// (BenchmarkTagCounter, 43.7 → 33.8 ns per reply).
		i := bytes.IndexByte(data, '<')
		if i < 0 {
			return messages, false, err
		}
		rest := data[i+1:]
		switch {
		case len(rest) == 0:
			c.keep = copy(c.buf, data[i:]) // the next read tells what follows
			return messages, false, err
		case rest[0] != '/':
			data = rest
			continue
		case len(rest) >= 1+len(tagMessage)+1 && string(rest[1:1+len(tagMessage)+1]) == tagMessage+">":
			// The usual reply's end, in one 8-byte compare.
			messages++
			data = rest[1+len(tagMessage)+1:]
			continue
		}
		switch kind, k := endTag(rest[1:]); kind {
		case tagMessageEnd:
			messages++
			data = rest[1+k:]
		case tagStreamEnd:
			return messages, true, err
		case tagCut:
			c.keep = copy(c.buf, data[i:]) // the next read completes it
			return messages, false, err
		default:
			data = rest[1:]
		}
	}
}

// Server is the peer of `xmppbench serve`: it accepts any number of
// components at once, each doing what its domain asks (see the package
// documentation). The zero value accepts the secret "bench".
type Server struct {
	Secret string // the components' shared secret; default "bench"
	// FloodProcs, when positive, is the peer's GOMAXPROCS while an echo
	// or sink flood runs. Its writer and reader wake each other all the
	// time; on fewer CPUs they do it for less, and on a machine the peer
	// shares with the component (2 CPUs, say) one leaves the component
	// a CPU of its own. Reflecting streams (latency probes) do better
	// with Go's default, which is what the peer has otherwise.
	FloodProcs int

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
	floods int // floods running
	procs  int // GOMAXPROCS before the first of them
}

// DefaultSecret is the shared secret a Server accepts unless told.
const DefaultSecret = "bench"

// Serve accepts components on ln until it is closed, each on a
// goroutine of its own. It returns once ln is closed.
func (srv *Server) Serve(ln net.Listener) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Out of descriptors and the like: wait, do not spin.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		srv.mu.Lock()
		if srv.conns == nil {
			srv.conns = make(map[net.Conn]struct{})
		}
		srv.conns[conn] = struct{}{}
		srv.wg.Add(1)
		srv.mu.Unlock()
		go func() {
			defer srv.wg.Done()
			srv.handle(conn)
			srv.mu.Lock()
			delete(srv.conns, conn)
			srv.mu.Unlock()
			conn.Close()
		}()
	}
}

// Close closes every connection and waits for their goroutines (close
// the listeners first).
func (srv *Server) Close() {
	srv.mu.Lock()
	for c := range srv.conns {
		c.Close()
	}
	srv.mu.Unlock()
	srv.wg.Wait()
}

// mode is what a component's domain asks for.
type mode struct {
	name                  string // "echo", "sink" or "reflect"
	stanzas, size, window int
}

// parseDomain reads the mode from a component's domain.
func parseDomain(domain string) mode {
	labels := strings.Split(domain, ".")
	m := mode{name: "reflect", stanzas: 100000}
	if labels[0] == "echo" || labels[0] == "sink" {
		m.name = labels[0]
	}
	for _, l := range labels[1:] {
		if len(l) < 2 {
			continue
		}
		n, err := strconv.Atoi(l[1:])
		if err != nil || n < 0 {
			continue
		}
		switch l[0] {
		case 'n':
			m.stanzas = n
		case 's':
			m.size = n
		case 'w':
			m.window = n
		}
	}
	return m
}

// flooding sets FloodProcs while a flood runs; the returned func
// restores GOMAXPROCS once the last one ends.
func (srv *Server) flooding() (done func()) {
	if srv.FloodProcs <= 0 {
		return func() {}
	}
	srv.mu.Lock()
	if srv.floods++; srv.floods == 1 {
		srv.procs = runtime.GOMAXPROCS(srv.FloodProcs)
	}
	srv.mu.Unlock()
	return func() {
		srv.mu.Lock()
		if srv.floods--; srv.floods == 0 {
			runtime.GOMAXPROCS(srv.procs)
		}
		srv.mu.Unlock()
	}
}

// handle runs one component.
func (srv *Server) handle(conn net.Conn) {
	s := fastxml.NewScanner(conn, fastxml.Options{Stream: true, BufferSize: 4 << 10})
	if k, err := s.Next(); err != nil || k != fastxml.StartElement {
		return
	}
	domain := ""
	for i := range s.NumAttrs() {
		if a := s.Attr(i); string(a.Name().Local) == "to" && len(a.Name().Space) == 0 {
			domain = string(a.Raw())
		}
	}
	secret := srv.Secret
	if secret == "" {
		secret = DefaultSecret
	}
	id := "peer-" + strconv.FormatUint(uint64(time.Now().UnixNano()), 36)
	if err := handshake(conn, s, domain, id, secret); err != nil {
		return
	}
	m := parseDomain(domain)
	switch m.name {
	case "echo", "sink":
		cfg := Config{Domain: domain, Stanzas: m.stanzas, Window: m.window, Sink: m.name == "sink"}
		if m.size > 0 {
			cfg.Message = Message(m.size)
		}
		cfg.defaults()
		defer srv.flooding()()
		blast(conn, s, conn, cfg)
	default:
		reflect(conn, s)
	}
}

// reflect sends back everything the component sends, unchanged. What
// the scanner already holds past the handshake goes back stanza by
// stanza; from then on the peer is a byte pipe: each read is written
// back at once, whole stanzas or not, without parsing (the component
// parses what comes back, so nothing goes unchecked). A peer that
// parsed each stanza before reflecting it spent as much CPU per stanza
// as the component measured, on a machine they share, and held each
// read's answers until the whole read was scanned. The component's own
// </stream:stream> comes back as the peer's; the peer stops at the end
// of the input.
func reflect(conn net.Conn, s *fastxml.Scanner) {
	var e fastxml.Element
	var out []byte
	for s.Buffered() > 0 {
		k, err := s.NextElement(&e)
		if err != nil {
			return
		}
		switch k {
		case fastxml.WholeElement:
			out = append(out, e.Raw()...)
		case fastxml.EndElement: // the component's </stream:stream>
			conn.Write(append(out, "</stream:stream>"...))
			return
		}
	}
	if len(out) > 0 {
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
	EchoBytes(conn)
}

// EchoBytes writes back what it reads from conn, each read at once, up
// to 64 KiB at a time, until a read or a write fails: the reflecting
// peer after the handshake, and the raw byte pipe of the component
// benchmarks. (A plain loop: io.Copy would try to splice the socket
// into itself.)
func EchoBytes(conn net.Conn) {
	buf := make([]byte, 64<<10)
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
}
