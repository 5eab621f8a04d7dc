package stream

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/captures"
)

const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x1' from='example.org' to='juliet@example.org' version='1.0' xml:lang='en'>`

// readAll reads a stream and returns the number of stanzas and the
// final error (nil after a clean end).
func readAll(t *testing.T, in string) (int, error) {
	return readAllConfig(t, in, ReaderConfig{})
}

func readAllConfig(t *testing.T, in string, cfg ReaderConfig) (int, error) {
	t.Helper()
	r := NewReader(strings.NewReader(in), cfg)
	var e fastxml.Element
	n := 0
	for {
		err := r.Next(&e)
		if err == io.EOF {
			if r.Closed() {
				return n, r.ReadTrailer()
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

func TestHeader(t *testing.T) {
	r := NewReader(strings.NewReader(header), ReaderConfig{})
	h, err := r.ReadHeader()
	if err != nil {
		t.Fatal(err)
	}
	want := Header{ContentNamespace: NSClient, Prefix: "stream", ID: "x1", From: "example.org",
		To: "juliet@example.org", Version: "1.0", Lang: "en"}
	if *h != want {
		t.Errorf("got %+v\nwant %+v", *h, want)
	}
}

func TestStreamConditions(t *testing.T) {
	long := strings.Repeat("a", 36)
	for _, c := range []struct {
		name string
		in   string
		want Condition // "" for a clean end
		off  int64
	}{
		{"clean with footer", header + `<message/></stream:stream>`, "", 0},
		{"clean eof between stanzas", header + `<message/> `, "", 0},
		{"whitespace after footer", header + "</stream:stream> \n", "", 0},
		{"other prefix for the stream namespace", `<s:stream xmlns='jabber:server' xmlns:s='http://etherx.jabber.org/streams'><s:features/></s:stream>`, "", 0},
		{"component namespace", `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>`, "", 0},
		{"wrong stream namespace", `<stream:stream xmlns='jabber:client' xmlns:stream='urn:wrong'>`, ErrInvalidNamespace, 0},
		{"wrong stream local name", `<stream:strem xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`, ErrInvalidNamespace, 0},
		{"unprefixed stream element", `<stream xmlns='http://etherx.jabber.org/streams'>`, ErrInvalidNamespace, 0},
		{"wrong content namespace", `<stream:stream xmlns='jabber:iq:roster' xmlns:stream='http://etherx.jabber.org/streams'>`, ErrInvalidNamespace, 0},
		{"no content namespace", `<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>`, ErrInvalidNamespace, 0},
		{"long xml:lang", `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xml:lang='` + long + `'>`, ErrPolicyViolation, 0},
		{"long xml:lang on a stanza", header + `<message/><message xml:lang='` + long + `'/>`, ErrPolicyViolation, int64(len(header)) + 10},
		{"xml:lang of 35 bytes on a stanza", header + `<message xml:lang='` + long[1:] + `'/>`, "", 0},
		{"escaped xml:lang of 35 bytes on a stanza", header + `<message xml:lang='&#x61;` + long[2:] + `'/>`, "", 0},
		{"escaped xml:lang of 36 bytes on a stanza", header + `<message xml:lang='&#x61;` + long[1:] + `'/>`, ErrPolicyViolation, int64(len(header))},
		{"long xml:lang on a stanza's child", header + `<message><body xml:lang='` + long + `'/></message>`, "", 0},
		{"text between stanzas", header + `<message/> hello <message/>`, ErrBadFormat, int64(len(header)) + 11},
		{"cdata between stanzas", header + `<![CDATA[x]]>`, ErrBadFormat, int64(len(header))},
		{"element after footer", header + `</stream:stream><message/>`, ErrNotWellFormed, int64(len(header)) + 16},
		{"text after footer", header + `</stream:stream>x`, ErrNotWellFormed, int64(len(header)) + 16},
		{"comment after footer", header + `</stream:stream><!---->`, ErrRestrictedXML, int64(len(header)) + 16},
		{"eof inside stanza", header + `<message><body>`, ErrNotWellFormed, int64(len(header)) + 15},
		{"eof inside header", `<stream:stream xmlns='jabber:client'`, ErrNotWellFormed, 36},
		{"comment", header + `<message><!--x--></message>`, ErrRestrictedXML, int64(len(header)) + 9},
		{"utf-16 declaration", `<?xml version='1.0' encoding='UTF-16'?>`, ErrUnsupportedEncoding, 0},
	} {
		_, err := readAll(t, c.in)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var se *Error
		if !errors.As(err, &se) || !errors.Is(err, c.want) || se.Offset != c.off {
			t.Errorf("%s: got %v, want %s at %d", c.name, err, c.want, c.off)
		}
	}
}

// Every byte the real servers sent, in every transcript, reads as clean
// streams, stanza by stanza, however the reads were split.
func TestCapturesServerSide(t *testing.T) {
	files, err := captures.Files()
	if err != nil || len(files) == 0 {
		t.Fatal("no transcripts", err)
	}
	total := 0
	for _, f := range files {
		conns, err := captures.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		for ci, c := range conns {
			if !c.Complete() {
				t.Logf("%s conn %d: skipped, the transcript elides bytes it cannot restore", filepath.Base(f), ci)
				continue
			}
			// Replay the server's reads exactly as they arrived.
			var blocks [][]byte
			for _, b := range c.Blocks {
				if b.FromServer {
					blocks = append(blocks, b.Data)
				}
			}
			for si, s := range captures.Streams(bytes.Join(blocks, nil)) {
				// ejabberd has no stanza limit and echoes a 300 KiB message.
				n, err := readAllConfig(t, string(s), ReaderConfig{Limits: fastxml.Limits{MaxStanzaBytes: 1 << 20}})
				if err != nil {
					t.Errorf("%s conn %d stream %d: %v", filepath.Base(f), ci, si, err)
				}
				total += n
			}
		}
	}
	if total < 100 {
		t.Errorf("only %d stanzas in all transcripts", total)
	}
}

// The server side replayed read by read, as the transcripts recorded.
func TestCapturesReadBoundaries(t *testing.T) {
	files, _ := captures.Files()
	for _, f := range files {
		conns, _ := captures.Load(f)
		for ci, c := range conns {
			if !c.Complete() {
				continue
			}
			var reads [][]byte
			for _, b := range c.Blocks {
				if b.FromServer {
					reads = append(reads, b.Data)
				}
			}
			streams := captures.Streams(bytes.Join(reads, nil))
			if len(streams) != 1 {
				continue // restarts are replayed whole above
			}
			r := NewReader(&readsReader{reads: reads}, ReaderConfig{Limits: fastxml.Limits{MaxStanzaBytes: 1 << 20}})
			var e fastxml.Element
			for {
				err := r.Next(&e)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("%s conn %d: %v", filepath.Base(f), ci, err)
					break
				}
			}
		}
	}
}

// With the default 256 KiB limit, the 300 KiB message ejabberd echoed is
// refused the moment its 262145th byte arrives, as Prosody refuses it.
func TestCaptureOversizedStanza(t *testing.T) {
	conns, err := captures.Load(filepath.Join(captures.Dir(), "ejabberd-raw-stanza-limit.txt"))
	if err != nil {
		t.Fatal(err)
	}
	s := captures.Streams(conns[0].Server())[1]
	start := bytes.Index(s, []byte("<message xml:lang='en' to='alice@localhost/raw'"))
	n, err := readAll(t, string(s))
	var se *Error
	if !errors.As(err, &se) || se.Condition != ErrPolicyViolation || se.Offset != int64(start+fastxml.DefaultMaxStanzaBytes) {
		t.Fatalf("after %d stanzas: %v; want policy-violation at %d", n, err, start+fastxml.DefaultMaxStanzaBytes)
	}
}

type readsReader struct{ reads [][]byte }

func (r *readsReader) Read(p []byte) (int, error) {
	if len(r.reads) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.reads[0])
	r.reads[0] = r.reads[0][n:]
	if len(r.reads[0]) == 0 {
		r.reads = r.reads[1:]
	}
	return n, nil
}

// Receiving stanzas allocates nothing once the buffers have grown.
func TestNextAllocatesNothing(t *testing.T) {
	stanza := `<message from='a@b/c' to='d@e/f' type='chat' id='1'><body>hi &amp; bye</body><x xmlns='urn:x' a='1'/></message>`
	data := []byte(header + strings.Repeat(stanza, 64))
	r := NewReader(nil, ReaderConfig{})
	r.ResetBytes(data)
	var e fastxml.Element
	if err := r.Next(&e); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		if err := r.Next(&e); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			r.ResetBytes(data[:len(header)+len(stanza)])
			r.ReadHeader()
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per stanza, want 0", allocs)
	}
}
