package fastxml

import (
	"errors"
	"strings"
	"testing"
)

// releasingDump is dumpNextElements releasing the buffer after every
// whole element, as an idle stream does while it waits for input.
func releasingDump(s *Scanner, released *int) string {
	var sb strings.Builder
	var e Element
	for {
		k, err := s.NextElement(&e)
		if err != nil {
			return dumpEnd(&sb, err)
		}
		if k == WholeElement {
			dumpNode(&sb, e.Root())
			if s.ReleaseBuffer() {
				*released++
				if s.BufferCap() != 0 {
					panic("released, but the buffer is still held")
				}
			}
			continue
		}
		dumpToken(&sb, s, k)
	}
}

// Releasing the buffer between stanzas changes nothing that is scanned:
// the same elements, errors and offsets, whatever the chunking, and the
// buffer is released only when nothing read is left to scan.
func TestReleaseBufferBetweenStanzas(t *testing.T) {
	stream := `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
		`<message to='a@b' id='1'><body>one &amp; two</body></message>` +
		`<presence/>` +
		`<iq type='get' id='2'><query xmlns='jabber:iq:version'/></iq>` +
		"\n  " +
		`<message id='3'><body><![CDATA[x<y]]></body></message>` +
		`<message id='4'>` + strings.Repeat("z", 300) + `</message>` +
		`<bad attr=oops/>`
	data := []byte(stream)
	want := dumpNextElements(NewScanner(strings.NewReader(stream), Options{Stream: true}), true)
	total := 0
	for cut := 0; cut <= len(data); cut++ {
		s := NewScanner(splitReader(data, cut), Options{Stream: true, BufferSize: 4096})
		released := 0
		if got := releasingDump(s, &released); got != want {
			t.Fatalf("cut %d: releasing the buffer changed the scan:\n got %s\nwant %s", cut, got, want)
		}
		total += released
	}
	// One-byte reads leave nothing buffered after each element.
	s := NewScanner(&chunkReader{data: data, sizes: []int{1}}, Options{Stream: true})
	released := 0
	if got := releasingDump(s, &released); got != want {
		t.Fatalf("one-byte reads: %s", got)
	}
	if released < 5 || total == 0 {
		t.Errorf("released %d times with one-byte reads, %d over all cuts: the test does not exercise the release", released, total)
	}
}

// Nothing is released while input is buffered, or from a scanner over
// bytes it does not own.
func TestReleaseBufferRefused(t *testing.T) {
	s := NewScanner(strings.NewReader(`<s:stream xmlns:s='x'><a/><b/>`), Options{Stream: true})
	var e Element
	s.NextElement(&e) // the header
	s.NextElement(&e) // <a/>, with <b/> still buffered
	if s.ReleaseBuffer() {
		t.Error("released with <b/> still buffered")
	}
	s.ResetBytes([]byte(`<a/>`))
	if s.ReleaseBuffer() {
		t.Error("released bytes given to ResetBytes")
	}
	if NewScanner(strings.NewReader(""), Options{}).BufferCap() != 0 {
		t.Error("a scanner that has not read holds a buffer")
	}
}

// Going round the pool allocates nothing.
func TestReleaseBufferAllocatesNothing(t *testing.T) {
	msg := []byte(`<message><body>hi</body></message>`)
	r := &chunkReader{}
	s := NewScanner(r, Options{Stream: true})
	r.data, r.sizes = []byte(`<s:stream xmlns:s='x' xmlns='jabber:client'>`), []int{1 << 20}
	var e Element
	s.NextElement(&e)
	round := func() {
		r.data = msg
		if k, err := s.NextElement(&e); err != nil || k != WholeElement {
			t.Fatal(k, err)
		}
		s.ReleaseBuffer()
	}
	for range 10 {
		round()
	}
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Errorf("%v allocations per element with a release, want 0", n)
	}
}

// The zero Attr, which a lookup returns for a missing attribute, is
// safe to use: every method returns a zero value (a server's <iq/>
// without a type crashed the client when Raw dereferenced it).
func TestZeroAttrIsSafe(t *testing.T) {
	var a Attr
	if !a.IsZero() || a.Raw() != nil || a.Value(nil) != nil || string(a.AppendValue([]byte("x"))) != "x" ||
		a.Escaped() || a.IsNamespaceDecl() || a.Name().Local != nil {
		t.Fatal("the zero Attr returned something")
	}
}

// failingReader returns err, once per call.
type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// Bytes that Fill reads from another reader are scanned as if the
// Scanner had read them, after what it buffered and before what its
// source gives next, with offsets to match; Fill's errors are not
// kept; and Fill takes a buffer again after ReleaseBuffer.
func TestFillFromAnotherReader(t *testing.T) {
	s := NewScanner(strings.NewReader(`<b/></s>`), Options{Stream: true})
	if n, err := s.Fill(strings.NewReader(`<s><a x='1'/>`)); n != 13 || err != nil {
		t.Fatalf("Fill: %d, %v", n, err)
	}
	var e Element
	if k, err := s.Next(); k != StartElement || err != nil {
		t.Fatalf("root: %v %v", k, err)
	}
	if k, err := s.NextElement(&e); k != WholeElement || err != nil || string(e.Raw()) != `<a x='1'/>` || e.Offset() != 3 {
		t.Fatalf("first: %v %v %q at %d", k, err, e.Raw(), e.Offset())
	}
	if !s.ReleaseBuffer() || s.BufferCap() != 0 {
		t.Fatal("the buffer was not released with nothing buffered")
	}
	boom := errors.New("boom")
	if n, err := s.Fill(failingReader{boom}); n != 0 || err != boom {
		t.Fatalf("Fill of a failing reader: %d, %v", n, err)
	}
	if s.BufferCap() == 0 {
		t.Error("Fill did not take a buffer")
	}
	if k, err := s.NextElement(&e); k != WholeElement || err != nil || string(e.Raw()) != `<b/>` || e.Offset() != 13 {
		t.Fatalf("after Fill's error, from the source: %v %v %q at %d", k, err, e.Raw(), e.Offset())
	}
	if k, err := s.NextElement(&e); k != EndElement || err != nil {
		t.Fatalf("end: %v %v", k, err)
	}
}
