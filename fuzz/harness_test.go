package fuzz

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/captures"
	"github.com/xmppcore/xmppcore/stream"
)

// The session targets (FuzzStreamFeatures, FuzzSessionReplay) play the
// server side of a connection from fuzzed bytes. This file holds what
// they share: the captured sessions they are seeded with, a loopback
// server that answers the client in turns, and a connection whose two
// directions close separately.

// turnSep separates the server's turns in FuzzStreamFeatures' input:
// 0x1E is not an XML Char, so no well-formed input needs it.
const turnSep = 0x1E

// maxTurns bounds the turns of one session.
const maxTurns = 16

// turnWait is how long the fake server waits for the client's next
// write before it sends the rest unasked: a client that waits for
// more of an element split across turns would otherwise wait for a
// server that waits for it.
const turnWait = 25 * time.Millisecond

// capturedSession is the server side of one captured connection, as
// the turns it answered the client's writes with, from the first turn
// after TLS (the client under test speaks no TLS): the bytes the server
// sent between two writes of the client are one turn.
type capturedSession struct {
	name  string
	turns [][]byte
}

var (
	sessionsOnce sync.Once
	sessions     []capturedSession
)

// capturedSessions returns every complete captured connection of
// internal/captures, smallest first, without the huge ones (the 300 KiB
// stanza of the stanza-limit transcripts).
func capturedSessions() []capturedSession {
	sessionsOnce.Do(func() {
		files, err := captures.Files()
		if err != nil {
			return
		}
		for _, f := range files {
			conns, err := captures.Load(f)
			if err != nil {
				continue
			}
			for i, c := range conns {
				if !c.Complete() || len(c.Server()) > 16<<10 {
					continue
				}
				var turns [][]byte
				fromServer := false
				for _, b := range c.Blocks {
					if b.FromServer && !fromServer {
						turns = append(turns, nil)
					}
					if fromServer = b.FromServer; fromServer {
						turns[len(turns)-1] = append(turns[len(turns)-1], b.Data...)
					}
				}
				for j, t := range turns {
					if bytes.Contains(t, []byte("<proceed ")) {
						turns = turns[j+1:]
						break
					}
				}
				if len(turns) == 0 {
					continue
				}
				sessions = append(sessions, capturedSession{
					name:  filepath.Base(f) + "#" + strconv.Itoa(i),
					turns: turns[:min(len(turns), maxTurns)],
				})
			}
		}
	})
	return sessions
}

// otherMechanism matches a <mechanism/> of the features: plainOnly
// keeps PLAIN alone. A fake server cannot answer SCRAM (the client's
// nonce is random), so the PLAIN-only variants of the captures are the
// ones that get past SASL.
var otherMechanism = regexp.MustCompile(`<mechanism>[^<]*</mechanism>`)

// plainOnly returns turns with PLAIN the only mechanism offered.
func plainOnly(turns [][]byte) [][]byte {
	out := make([][]byte, len(turns))
	for i, t := range turns {
		out[i] = otherMechanism.ReplaceAllFunc(t, func(m []byte) []byte {
			if string(m) == "<mechanism>PLAIN</mechanism>" {
				return m
			}
			return nil
		})
	}
	return out
}

func joinTurns(turns [][]byte) []byte { return bytes.Join(turns, []byte{turnSep}) }

func splitTurns(data []byte) [][]byte {
	turns := bytes.Split(data, []byte{turnSep})
	if len(turns) > maxTurns { // the rest goes in the last turn
		turns = append(turns[:maxTurns-1], bytes.Join(turns[maxTurns-1:], []byte{turnSep}))
	}
	return turns
}

var (
	lnOnce sync.Once
	ln     *net.TCPListener
	lnErr  error
)

// listener returns the fuzz worker's loopback listener: one per
// process, used by one session at a time.
func listener(t *testing.T) *net.TCPListener {
	lnOnce.Do(func() {
		var l net.Listener
		if l, lnErr = net.Listen("tcp", "127.0.0.1:0"); lnErr == nil {
			ln = l.(*net.TCPListener)
		}
	})
	if lnErr != nil {
		t.Fatal(lnErr)
	}
	return ln
}

// turnLog is what the fake server did on one connection.
type turnLog struct {
	err  error // accepting failed
	sent int   // turns written
	// For each turn: whether it answered a complete write of the client
	// (lockstep; false when it went out after turnWait unasked), and
	// whether that write opened a stream or was a SASL <abort/>.
	lockstep, restart, abort []bool
	writes                   [][]byte // the client's writes the turns answered
}

// serveTurns accepts one connection and answers the client's writes
// with the turns, one per write; once the client stays silent for
// turnWait, it sends what is left at once. Then it closes its side and
// reads until the client closes its own (or 5 s pass). The connection
// is also sent on accepted, if not nil.
func serveTurns(l *net.TCPListener, turns [][]byte, out chan<- turnLog, accepted chan<- net.Conn) {
	lg := turnLog{lockstep: make([]bool, len(turns)), restart: make([]bool, len(turns)), abort: make([]bool, len(turns))}
	defer func() { out <- lg }()
	l.SetDeadline(time.Now().Add(5 * time.Second))
	c, err := l.AcceptTCP()
	if err != nil {
		lg.err = err
		return
	}
	defer c.Close()
	if accepted != nil {
		accepted <- c
	}
	buf := make([]byte, 8<<10)
	asking := true
	for i, t := range turns {
		if asking {
			w, state := awaitWrite(c, buf)
			switch state {
			case wrote:
				lg.lockstep[i] = true
				lg.restart[i] = bytes.Contains(w, []byte("<stream:stream"))
				lg.abort[i] = bytes.Contains(w, []byte("<abort"))
				lg.writes = append(lg.writes, w)
			case silent:
				asking = false
			case hungUp:
				if len(w) > 0 {
					lg.writes = append(lg.writes, w)
				}
				return
			}
		}
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write(t); err != nil {
			return
		}
		lg.sent++
	}
	c.CloseWrite()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, c)
}

const (
	wrote = iota
	silent
	hungUp
)

// awaitWrite reads one write of the client: what it sends up to a '>'
// that ends what it has sent (every element and header the client
// writes ends with one).
func awaitWrite(c net.Conn, buf []byte) ([]byte, int) {
	var w []byte
	c.SetReadDeadline(time.Now().Add(turnWait))
	for {
		n, err := c.Read(buf)
		w = append(w, buf[:n]...)
		if t := bytes.TrimRight(w, " \t\r\n"); len(t) > 0 && t[len(t)-1] == '>' {
			return w, wrote
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return w, silent
			}
			return w, hungUp
		}
	}
}

// halfConn is one end of an in-memory connection whose directions
// close separately (net.Pipe cannot half-close): CloseWrite gives the
// other end io.EOF while it can still write to us. It is not a socket,
// so a Stream reads it on its plain read loop.
type halfConn struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func halfPipe() (*halfConn, *halfConn) {
	r1, w1 := io.Pipe()
	r2, w2 := io.Pipe()
	return &halfConn{r: r1, w: w2}, &halfConn{r: r2, w: w1}
}

func (c *halfConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *halfConn) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *halfConn) CloseWrite() error           { return c.w.Close() }
func (c *halfConn) Close() error {
	c.r.Close()
	return c.w.Close()
}
func (c *halfConn) LocalAddr() net.Addr              { return pipeAddr{} }
func (c *halfConn) RemoteAddr() net.Addr             { return pipeAddr{} }
func (c *halfConn) SetDeadline(time.Time) error      { return nil }
func (c *halfConn) SetReadDeadline(time.Time) error  { return nil }
func (c *halfConn) SetWriteDeadline(time.Time) error { return nil }
func (pipeAddr) Network() string                     { return "pipe" }
func (pipeAddr) String() string                      { return "pipe" }

type pipeAddr struct{}

// ourOutput reads what a Stream under test sends, on its own goroutine,
// until the connection ends: the h of every <a/> it sends (as written),
// and the ids of its messages.
type ourOutput struct {
	acks     chan string
	messages chan string
	done     chan error // the reader's end: nil after our footer
}

func readOurOutput(c io.Reader) *ourOutput {
	o := &ourOutput{acks: make(chan string, 8192), messages: make(chan string, 8192), done: make(chan error, 1)}
	go func() {
		r := stream.NewReader(c, stream.ReaderConfig{})
		var e fastxml.Element
		for {
			err := r.Next(&e)
			if err != nil {
				if err == io.EOF && r.Closed() {
					err = nil
				}
				o.done <- err
				io.Copy(io.Discard, c) // keep the writer unblocked
				return
			}
			root := e.Root()
			switch {
			case root.Is(stream.NSSM, "a"):
				h, _ := root.Attr("", "h")
				o.acks <- string(h.Raw())
			case root.Is(stream.NSClient, "message"):
				id, _ := root.Attr("", "id")
				o.messages <- string(id.Raw())
			}
		}
	}()
	return o
}

// resumableSM returns an SM whose session a server enabled with
// resumption (id sm-1) and that holds n stanzas sent on a Stream whose
// connection was then lost, unacknowledged: what a reconnection
// resumes. It also returns those stanzas.
func resumableSM(t *testing.T, n int) (*stream.SM, [][]byte) {
	t.Helper()
	m := &stream.SM{JID: "alice@localhost/r"}
	if err := m.HandleEnabled(smNode(t, `<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>`), nil); err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	s := stream.New(a, stream.Config{SM: m})
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	out := readOurOutput(b)
	b.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := b.Write([]byte(hdr)); err != nil {
		t.Fatal(err)
	}
	var sent [][]byte
	for i := range n {
		st := []byte("<message id='u" + strconv.Itoa(i) + "' to='bob@localhost'><body>x</body></message>")
		if err := s.SendRaw(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, st)
		select {
		case <-out.messages:
		case <-time.After(5 * time.Second):
			t.Fatal("a stanza did not go out")
		}
	}
	b.Close() // the connection is lost
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end with its connection")
	}
	a.Close()
	if !m.Resumable() || len(m.Unacked()) != n {
		t.Fatalf("SM after the cut: resumable %v, %d unacked", m.Resumable(), len(m.Unacked()))
	}
	return m, sent
}

// smAccount collects what an SM hands back on a failed resumption.
type smAccount struct {
	mu       sync.Mutex
	returned [][]byte
}

func (a *smAccount) watch(ev *stream.Events) {
	ev.On(stream.EventSMFailed, func(d any) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.returned = append(a.returned, d.(*stream.SMFailure).Unacked...)
	})
}

// check verifies that no stanza sent was lost or duplicated: what was
// handed back, then what is still unacknowledged, is what was sent less
// a prefix (the stanzas the server acknowledged), of at most the
// largest h in what the server sent.
func (a *smAccount) check(t *testing.T, m *stream.SM, sent [][]byte, server []byte) {
	t.Helper()
	a.mu.Lock()
	all := append(append([][]byte(nil), a.returned...), m.Unacked()...)
	a.mu.Unlock()
	var got [][]byte // those of the stanzas sent (not what the session sent since)
	for _, st := range all {
		for _, s := range sent {
			if bytes.Equal(st, s) {
				got = append(got, st)
				break
			}
		}
	}
	if !isSuffix(got, sent) || len(sent)-len(got) > maxH(server) {
		t.Fatalf("sent %q; handed back and unacknowledged: %q; the server's largest h: %d", sent, got, maxH(server))
	}
}

var hAttr = regexp.MustCompile(`\bh\s*=\s*['"]([0-9]{1,10})['"]`)

// maxH returns the largest h='N' in b (0 if none): no more stanzas than
// that can have been acknowledged.
func maxH(b []byte) int {
	n := 0
	for _, m := range hAttr.FindAllSubmatch(b, -1) {
		v, _ := strconv.Atoi(string(m[1]))
		n = max(n, v)
	}
	return n
}
