package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
)

// The stream layer's share of /work/shared/SECURITY-CASES.md, "XML of
// the stream": cases 9, 10, 11, 14 and 15, one test each, checked on the
// Reader (whole, one byte per read, split in two at every offset) and on
// a running Stream, which must send the stream error, then its footer,
// and return the *Error from Run. Cases 1-8, 12 and 13 are the
// scanner's: fastxml/security_test.go.

// readFrom reads a stream from src to its end and returns the Reader,
// the number of first-level elements, and the final error (nil after a
// clean end).
func readFrom(src io.Reader, cfg ReaderConfig) (*Reader, int, error) {
	r := NewReader(src, cfg)
	var e fastxml.Element
	for n := 0; ; n++ {
		err := r.Next(&e)
		if err == io.EOF {
			if r.Closed() {
				return r, n, r.ReadTrailer()
			}
			return r, n, nil
		}
		if err != nil {
			return r, n, err
		}
	}
}

// readerCase is an input for the Reader and its verdict.
type readerCase struct {
	name string
	in   string
	cfg  ReaderConfig
	want Condition // "" for a clean end
	off  int64     // where want is found
	n    int       // first-level elements read before the end
}

// checkReader reads c.in whole, one byte per read and split in two at
// every offset, and checks that each way gives c.n elements then c.want
// at c.off, as a sticky *Error, or a clean end.
func checkReader(t *testing.T, c readerCase) {
	t.Helper()
	checkReaderNear(t, c, nil)
}

// checkReaderNear is checkReader for long inputs: if near is set, the
// input is split only within 32 bytes of the offsets in near, and at
// every 251st.
func checkReaderNear(t *testing.T, c readerCase, near []int) {
	t.Helper()
	try := func(how string, src io.Reader) bool {
		t.Helper()
		r, n, err := readFrom(src, c.cfg)
		if n != c.n {
			t.Errorf("%s (%s): %d elements before %v, want %d", c.name, how, n, err, c.n)
			return false
		}
		if c.want == "" {
			if err != nil {
				t.Errorf("%s (%s): %v", c.name, how, err)
				return false
			}
			return true
		}
		se, ok := err.(*Error)
		if !ok || se.Condition != c.want || !errors.Is(err, c.want) || se.Offset != c.off {
			t.Errorf("%s (%s): got %v, want %s at byte %d", c.name, how, err, c.want, c.off)
			return false
		}
		var e fastxml.Element
		if again := r.Next(&e); again != err {
			t.Errorf("%s (%s): the reader went on after its error: %v", c.name, how, again)
			return false
		}
		return true
	}
	if !try("whole", strings.NewReader(c.in)) || !try("one byte per read", &chunks{data: c.in, size: 1}) {
		return
	}
	for cut := 1; cut < len(c.in); cut++ {
		if near != nil && cut%251 != 0 && !slices.ContainsFunc(near, func(o int) bool { return cut >= o-32 && cut <= o+32 }) {
			continue
		}
		if !try(fmt.Sprintf("split at %d", cut), &readsReader{reads: [][]byte{[]byte(c.in[:cut]), []byte(c.in[cut:])}}) {
			return
		}
	}
}

// chunks reads data size bytes at a time.
type chunks struct {
	data string
	size int
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.size)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// startStream starts a Stream over a pipe and returns once our header
// has reached the peer, which has sent nothing yet.
func startStream(t *testing.T, cfg Config, setup func(s *Stream)) (*Stream, *testPeer, chan error) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	s := New(a, cfg)
	if setup != nil {
		setup(s)
	}
	p := newPeer(t, b)
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	select {
	case <-p.header:
	case <-time.After(5 * time.Second):
		t.Fatal("no header from the stream")
	}
	return s, p, done
}

// sendHostile writes in from a goroutine of its own: a stream that
// stops reading at bad input must not block the test. The channel
// gets how much of in the stream read.
func sendHostile(p *testPeer, in string) chan int {
	n := make(chan int, 1)
	go func() {
		w, _ := p.conn.Write([]byte(in))
		n <- w
	}()
	return n
}

// wantStreamError checks the end of a stream that read bad input: Run
// returned an *Error with cond at off, and the peer got exactly that
// stream error, then our footer, and nothing else.
func wantStreamError(t *testing.T, name string, err error, p *testPeer, cond Condition, off int64) {
	t.Helper()
	se, ok := err.(*Error)
	if !ok || se.Condition != cond || !errors.Is(err, cond) || se.Offset != off {
		t.Errorf("%s: Run returned %v, want a *stream.Error %s at byte %d", name, err, cond, off)
		return
	}
	want := "<stream:error><" + string(cond) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>" + mustText(err) + "</text></stream:error>"
	select {
	case got := <-p.got:
		if got != want {
			t.Errorf("%s: the peer got %s\nwant %s", name, got, want)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("%s: no stream error reached the peer", name)
		return
	}
	select {
	case err := <-p.closed:
		if err != nil {
			t.Errorf("%s: after the stream error, not our footer but %v", name, err)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("%s: no footer after the stream error", name)
	}
	if len(p.got) != 0 {
		t.Errorf("%s: %d more elements after the stream error", name, len(p.got))
	}
}

// recorder is a handler that records the id of every stanza.
type recorder struct {
	mu  sync.Mutex
	ids []string
}

func (r *recorder) handler() *Handler {
	return &Handler{Name: "record", Match: MatchAll, Func: func(_ *Stream, st *Stanza) {
		r.mu.Lock()
		r.ids = append(r.ids, string(st.Root().Name().Local)+":"+string(st.Attr("id")))
		r.mu.Unlock()
	}}
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.ids, " ")
}

const (
	xmlDecl      = `<?xml version='1.0'?>`
	streamsAttrs = `xmlns:stream='http://etherx.jabber.org/streams'`
)

// Case 9: a stream element that is not {http://etherx.jabber.org/streams}stream,
// or a content namespace that is missing or not one of
// ReaderConfig.ContentNamespaces, is invalid-namespace at the header's
// offset. A prefix other than "stream" bound to the streams namespace
// is accepted (documented on Header: RFC 6120 §4.8.5 lets an entity
// accept other prefixes), recorded in Header.Prefix, and the peer's
// stream errors under that prefix are recognised.
func TestSecurityCase09InvalidNamespace(t *testing.T) {
	clientOnly := ReaderConfig{ContentNamespaces: []string{NSClient}}
	hostile := []readerCase{
		{"wrong stream namespace", `<stream:stream xmlns='jabber:client' xmlns:stream='urn:wrong'>`, ReaderConfig{}, ErrInvalidNamespace, 0, 0},
		{"near-miss stream namespace after the declaration", xmlDecl + `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streamz'>`, ReaderConfig{}, ErrInvalidNamespace, 21, 0},
		{"stream element in the content namespace", `<stream xmlns='jabber:client'>`, ReaderConfig{}, ErrInvalidNamespace, 0, 0},
		{"other local name in the streams namespace", `<stream:features xmlns='jabber:client' ` + streamsAttrs + `>`, ReaderConfig{}, ErrInvalidNamespace, 0, 0},
		{"streams namespace as content namespace", `<stream:stream xmlns='http://etherx.jabber.org/streams' ` + streamsAttrs + `>`, ReaderConfig{}, ErrInvalidNamespace, 0, 0},
		{"content namespace only on a prefix", `<stream:stream xmlns:c='jabber:client' ` + streamsAttrs + `>`, ReaderConfig{}, ErrInvalidNamespace, 0, 0},
		{"empty content namespace", `<stream:stream xmlns='' ` + streamsAttrs + `>`, ReaderConfig{}, ErrInvalidNamespace, 0, 0},
		{"content namespace not configured", xmlDecl + `<stream:stream xmlns='jabber:server' ` + streamsAttrs + `>`, clientOnly, ErrInvalidNamespace, 21, 0},
		{"unknown content namespace", `<stream:stream xmlns='jabber:iq:roster' ` + streamsAttrs + `>`, ReaderConfig{}, ErrInvalidNamespace, 0, 0},
	}
	for _, c := range hostile {
		checkReader(t, c)
	}
	checkReader(t, readerCase{name: "other prefix", in: `<s:stream xmlns='jabber:server' xmlns:s='http://etherx.jabber.org/streams'><s:features/></s:stream>`, n: 1})
	for _, c := range []struct{ in, prefix string }{
		{`<s:stream xmlns='jabber:server' xmlns:s='http://etherx.jabber.org/streams'>`, "s"},
		{`<x:stream xmlns:x='http://etherx.jabber.org/streams' xmlns:stream='urn:other' xmlns='jabber:client'>`, "x"},
		{`<stream:stream xmlns='jabber:client' ` + streamsAttrs + `>`, "stream"},
	} {
		h, err := NewReader(strings.NewReader(c.in), ReaderConfig{}).ReadHeader()
		if err != nil || h.Prefix != c.prefix {
			t.Errorf("%s: header %+v, %v; want prefix %q", c.in, h, err, c.prefix)
		}
	}

	// On a Stream: the stream error goes out after our header.
	for _, c := range hostile {
		if c.cfg.ContentNamespaces != nil {
			continue
		}
		_, p, done := startStream(t, Config{}, nil)
		sendHostile(p, c.in)
		wantStreamError(t, c.name, waitRun(t, done), p, c.want, c.off)
	}
	_, p, done := startStream(t, Config{Reader: clientOnly}, nil)
	sendHostile(p, `<stream:stream xmlns='jabber:server' `+streamsAttrs+`>`)
	wantStreamError(t, "content namespace not configured", waitRun(t, done), p, ErrInvalidNamespace, 0)

	// A peer using another prefix is understood, its stream errors too.
	s, p, done := startStream(t, Config{}, nil)
	p.write(`<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams' id='p1'>` +
		`<s:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></s:error></s:stream>`)
	err := waitRun(t, done)
	var re *RemoteError
	if !errors.As(err, &re) || re.Condition != ErrConflict {
		t.Errorf("stream error under the prefix s: Run returned %v", err)
	}
	if h := s.Peer(); h == nil || h.Prefix != "s" || h.ID != "p1" {
		t.Errorf("peer header %+v", h)
	}
}

// Case 10: in the stream's content namespace only stanzas may be
// first-level elements (see FirstLevelAllowed): <foo/> in jabber:client
// is unsupported-stanza-type at its first byte; elements in other
// namespaces (features, SASL, TLS, stream management, dialback,
// extensions) pass to the layers that route them.
func TestSecurityCase10FirstLevelElements(t *testing.T) {
	hc := header // jabber:client, with an XML declaration
	hs := `<stream:stream xmlns='jabber:server' ` + streamsAttrs + `>`
	hk := `<stream:stream xmlns='jabber:component:accept' ` + streamsAttrs + `>`
	at := func(h, before string) int64 { return int64(len(h) + len(before)) }
	stanzas := `<message/><presence/><iq type='get' id='1'/>`
	for _, c := range []readerCase{
		{"foo in jabber:client", hc + `<foo/>`, ReaderConfig{}, ErrUnsupportedStanzaType, at(hc, ""), 0},
		{"foo after stanzas", hc + stanzas + `<foo>` + stanzas + `</foo>`, ReaderConfig{}, ErrUnsupportedStanzaType, at(hc, stanzas), 3},
		{"prefixed into the content namespace", hc + `<jc:foo xmlns:jc='jabber:client'/>`, ReaderConfig{}, ErrUnsupportedStanzaType, at(hc, ""), 0},
		{"declared again as default", hc + `<body xmlns='jabber:client'>hi</body>`, ReaderConfig{}, ErrUnsupportedStanzaType, at(hc, ""), 0},
		{"handshake outside a component stream", hc + `<handshake/>`, ReaderConfig{}, ErrUnsupportedStanzaType, at(hc, ""), 0},
		{"foo in jabber:server", hs + `<message/><foo/>`, ReaderConfig{}, ErrUnsupportedStanzaType, at(hs, `<message/>`), 1},
		{"foo in jabber:component:accept", hk + `<handshake/><foo/>`, ReaderConfig{}, ErrUnsupportedStanzaType, at(hk, `<handshake/>`), 1},
		{"local names are case-sensitive", hc + `<Message/>`, ReaderConfig{}, ErrUnsupportedStanzaType, at(hc, ""), 0},
	} {
		checkReader(t, c)
	}
	others := `<stream:features/><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>` +
		`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><r xmlns='urn:xmpp:sm:3'/><a xmlns='urn:xmpp:sm:3' h='1'/>` +
		`<foo xmlns='urn:example'/><message xmlns='jabber:server'/>`
	checkReader(t, readerCase{name: "stanzas and other namespaces in jabber:client", in: hc + stanzas + others + `</stream:stream>`, n: 10})
	checkReader(t, readerCase{name: "dialback in jabber:server", in: hs + stanzas + `<db:result xmlns:db='jabber:server:dialback' to='a' from='b'>k</db:result></stream:stream>`, n: 4})
	checkReader(t, readerCase{name: "handshake in jabber:component:accept", in: hk + `<handshake/>` + stanzas + `</stream:stream>`, n: 4})
	checkReader(t, readerCase{name: "a custom content namespace is not checked", in: `<stream:stream xmlns='urn:custom' ` + streamsAttrs + `><foo/></stream:stream>`,
		cfg: ReaderConfig{ContentNamespaces: []string{"urn:custom"}}, n: 1})

	// On a Stream: the stanza before <foo/> is handled, nothing after.
	rec := &recorder{}
	_, p, done := runStream(t, Config{}, func(s *Stream) { s.RegisterHandler(rec.handler()) })
	before := `<message id='1'/><r xmlns='urn:xmpp:sm:3' id='2'/>`
	sendHostile(p, before+`<foo id='3'/><message id='4'/>`)
	wantStreamError(t, "foo in jabber:client", waitRun(t, done), p, ErrUnsupportedStanzaType, int64(len(peerHeader)+len(before)))
	if got := rec.String(); got != "message:1 r:2" {
		t.Errorf("handled %q, want the message and <r/> before <foo/>", got)
	}
}

// Case 11: a stanza over Limits.MaxStanzaBytes is policy-violation at
// the first byte past the limit, before the rest of it is read: the
// stream buffers at most the limit, not the stanza.
func TestSecurityCase11StanzaSizeLimit(t *testing.T) {
	const limit = 10000 // RFC 6120 §13.12's floor, and Prosody's before authentication
	cfg := ReaderConfig{Limits: fastxml.Limits{MaxStanzaBytes: limit}}
	stanza := func(size int) string {
		const open, end = `<message id='big'><body>`, `</body></message>`
		return open + strings.Repeat("x", size-len(open)-len(end)) + end
	}
	at := len(header) + limit
	checkReaderNear(t, readerCase{"stanza of exactly the limit", header + stanza(limit) + stanza(limit) + `</stream:stream>`, cfg, "", 0, 2},
		[]int{len(header), at, at + limit})
	first := `<iq type='get' id='1'/>`
	at = len(header) + len(first) + limit
	checkReaderNear(t, readerCase{"one byte over the limit", header + first + stanza(limit+1), cfg, ErrPolicyViolation, int64(at), 1},
		[]int{len(header) + len(first), at})

	// The verdict comes at the limit: what lies beyond is never read.
	boom := errors.New("read past the limit")
	big := stanza(1 << 20)
	_, _, err := readFrom(io.MultiReader(strings.NewReader(header+big[:limit+1]), &errReader{boom}), cfg)
	if se, ok := err.(*Error); !ok || se.Condition != ErrPolicyViolation || se.Offset != int64(len(header)+limit) {
		t.Errorf("with nothing past the limit: %v, want policy-violation at %d", err, len(header)+limit)
	}
	// A 10 MiB stanza against the default limit: the reader takes a
	// bounded amount (what its buffer, grown to hold a stanza at the
	// limit, holds), whatever the stanza's size.
	src := &countReader{r: io.MultiReader(strings.NewReader(header+`<message><body>`), &endless{}), limit: 10 << 20}
	r, _, err := readFrom(src, ReaderConfig{})
	if se, ok := err.(*Error); !ok || se.Condition != ErrPolicyViolation || se.Offset != int64(len(header)+fastxml.DefaultMaxStanzaBytes) {
		t.Errorf("10 MiB stanza: %v, want policy-violation at %d", err, len(header)+fastxml.DefaultMaxStanzaBytes)
	}
	if src.n > 4*fastxml.DefaultMaxStanzaBytes || r.Scanner().BufferCap() > 4*fastxml.DefaultMaxStanzaBytes {
		t.Errorf("10 MiB stanza: %d bytes read, a buffer of %d", src.n, r.Scanner().BufferCap())
	}

	// On a Stream: the peer's 1 MiB stanza is cut at the limit.
	rec := &recorder{}
	_, p, done := runStream(t, Config{Reader: cfg}, func(s *Stream) { s.RegisterHandler(rec.handler()) })
	wrote := sendHostile(p, first+big)
	wantStreamError(t, "1 MiB stanza", waitRun(t, done), p, ErrPolicyViolation, int64(len(peerHeader)+len(first)+limit))
	if n := <-wrote; n >= len(first)+len(big) {
		t.Errorf("the stream read all %d bytes of the stanza", n)
	}
	if got := rec.String(); got != "iq:1" {
		t.Errorf("handled %q, want only the iq", got)
	}
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

// endless is an endless run of 'x'.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// countReader counts what is read from r, up to limit bytes.
type countReader struct {
	r        io.Reader
	n, limit int
}

func (c *countReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		return 0, io.EOF
	}
	n, err := c.r.Read(p[:min(len(p), c.limit-c.n)])
	c.n += n
	return n, err
}

// Case 14: an xml:lang on the stream header longer than
// ReaderConfig.MaxLangBytes (default 35, as ejabberd) is
// policy-violation at the header, measured on the decoded value.
func TestSecurityCase14LongXMLLang(t *testing.T) {
	lang := func(v string) string {
		return xmlDecl + `<stream:stream xmlns='jabber:client' ` + streamsAttrs + ` xml:lang='` + v + `'>`
	}
	tag35 := "de-CH-1901-x-" + strings.Repeat("a", 22)
	for _, c := range []readerCase{
		{"36 bytes", lang(tag35 + "b"), ReaderConfig{}, ErrPolicyViolation, 21, 0},
		{"36 bytes as character references", lang(strings.Repeat("&#x61;", 36)), ReaderConfig{}, ErrPolicyViolation, 21, 0},
		{"a kilobyte", lang(strings.Repeat("a", 1024)), ReaderConfig{}, ErrPolicyViolation, 21, 0},
		{"over a configured limit", lang("en-GB-oed"), ReaderConfig{MaxLangBytes: 8}, ErrPolicyViolation, 21, 0},
		{"35 bytes", lang(tag35) + `<message/>`, ReaderConfig{}, "", 0, 1},
		{"35 bytes as character references", lang(strings.Repeat("&#x61;", 35)), ReaderConfig{}, "", 0, 0},
		{"at a configured limit", lang("en-GB-oe"), ReaderConfig{MaxLangBytes: 8}, "", 0, 0},
	} {
		checkReader(t, c)
	}
	h, err := NewReader(strings.NewReader(lang(tag35)), ReaderConfig{}).ReadHeader()
	if err != nil || h.Lang != tag35 {
		t.Errorf("35-byte xml:lang: %+v, %v", h, err)
	}

	_, p, done := startStream(t, Config{}, nil)
	sendHostile(p, lang(tag35+"b"))
	wantStreamError(t, "36-byte xml:lang", waitRun(t, done), p, ErrPolicyViolation, 21)
}

// Case 15: whitespace between first-level elements (keepalives) yields
// nothing, however it arrives; whitespace right after <proceed/> stays
// visible in Reader.Buffered, which is how the session layer refuses
// plaintext before the TLS handshake (client.ErrPlaintextAfterProceed).
func TestSecurityCase15WhitespaceKeepalive(t *testing.T) {
	checkReader(t, readerCase{name: "whitespace around stanzas",
		in: header + " " + `<message id='1'/>` + " \n\t\r\n " + `<presence id='2'/>` + "\n" + `</stream:stream>` + " \n", n: 2})
	checkReader(t, readerCase{name: "a single space", in: header + " ", n: 0})
	checkReader(t, readerCase{name: "space, stanza, space", in: header + " <message/> ", n: 1})
	checkReader(t, readerCase{name: "non-whitespace is not a keepalive", in: header + " . ", want: ErrBadFormat, off: int64(len(header) + 1)})

	// A day of keepalives: nothing read, nothing kept.
	r, n, err := readFrom(&chunks{data: header + strings.Repeat(" ", 1<<20), size: 1}, ReaderConfig{BufferSize: 512})
	if n != 0 || err != nil || r.Scanner().BufferCap() > 4096 {
		t.Errorf("1 MiB of single-space reads: %d elements, %v, a buffer of %d", n, err, r.Scanner().BufferCap())
	}

	const proceed = `<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`
	for _, c := range []struct {
		after    string
		buffered int
	}{{"", 0}, {" ", 1}, {"\r\n", 2}} {
		r := NewReader(strings.NewReader(header+`<stream:features/>`+proceed+c.after), ReaderConfig{})
		var e fastxml.Element
		err1, err2 := r.Next(&e), r.Next(&e) // features, then proceed
		if err1 != nil || err2 != nil || !e.Root().Is("urn:ietf:params:xml:ns:xmpp-tls", "proceed") || r.Buffered() != c.buffered {
			t.Errorf("<proceed/> followed by %q: %d bytes buffered, want %d", c.after, r.Buffered(), c.buffered)
		}
	}

	// On a Stream: keepalives one write each, around one stanza.
	rec := &recorder{}
	s, p, done := runStream(t, Config{}, func(s *Stream) { s.RegisterHandler(rec.handler()) })
	for i := 0; i < 100; i++ {
		p.write(" ")
	}
	p.write(`<message id='1'/>`)
	p.write("\n")
	p.write(`</stream:stream>`)
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := <-p.closed; err != nil {
		t.Errorf("our footer: %v", err)
	}
	if got, in := rec.String(), s.Stats().StanzasIn.Load(); got != "message:1" || in != 1 || len(p.got) != 0 {
		t.Errorf("handled %q, %d stanzas in, %d elements sent; want the message alone and nothing sent", got, in, len(p.got))
	}
}
