package fastxml

import (
	"strings"
	"testing"
)

// growingReader is a chunkReader that asks its scanner for a larger
// buffer on its k-th read, as a stream does when a read fills half its
// buffer, and records the room each read was offered.
type growingReader struct {
	chunkReader
	s     *Scanner
	k, n  int
	reads int
	rooms []int
}

func (r *growingReader) Read(p []byte) (int, error) {
	r.rooms = append(r.rooms, len(p))
	n, err := r.chunkReader.Read(p)
	if r.reads++; r.reads == r.k {
		r.s.GrowBuffer(r.n)
	}
	return n, err
}

// Growing the buffer between any two reads changes nothing that is
// scanned: the same tokens, elements, errors and offsets, whatever the
// chunking, including units cut by the read that asked for the growth;
// and the reads after it are offered the larger buffer.
func TestGrowBufferBetweenReads(t *testing.T) {
	stream := `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
		`<message to='a@b' id='1'><body>one &amp; two</body></message>` +
		`<presence/>` +
		`<iq type='get' id='2'><query xmlns='jabber:iq:version'/></iq>` +
		`<message id='3'><body><![CDATA[x<y]]></body></message>` +
		`<message id='4'>` + strings.Repeat("z", 1500) + `</message>` +
		`<message id='5'><body>` + strings.Repeat("w", 300) + `</body></message>` +
		`<bad attr=oops/>`
	data := []byte(stream)
	want := dumpNextElements(NewScanner(strings.NewReader(stream), Options{Stream: true}), true)
	grown := 0
	for _, size := range []int{1, 7, 64, 333, 1024, 4096} {
		for k := 1; k <= 12; k++ {
			r := &growingReader{chunkReader: chunkReader{data: data, sizes: []int{size}}, k: k, n: 8192}
			s := NewScanner(r, Options{Stream: true, BufferSize: 1024})
			r.s = s
			if got := dumpNextElements(s, true); got != want {
				t.Fatalf("reads of %d, grown after read %d: growing the buffer changed the scan:\n got %s\nwant %s", size, k, got, want)
			}
			if r.reads <= k {
				continue // the input ended first
			}
			if s.BufferCap() != 8192 {
				t.Fatalf("reads of %d, grown after read %d: buffer %d bytes, want 8192", size, k, s.BufferCap())
			}
			if room := r.rooms[k]; room < 8192-2*1024 {
				t.Fatalf("reads of %d, grown after read %d: the next read was offered %d bytes", size, k, room)
			}
			grown++
		}
	}
	if grown < 30 {
		t.Errorf("grew only %d times: the test does not exercise the growth", grown)
	}
}

// After ReleaseBuffer, a scanner starts again at Options.BufferSize; a
// growth asked for before the scanner holds a buffer applies at its
// first read; smaller sizes and scanners over bytes are left alone.
func TestGrowBufferSizes(t *testing.T) {
	r := &chunkReader{data: []byte(`<s:stream xmlns:s='x'><a/>`), sizes: []int{1 << 20}}
	s := NewScanner(r, Options{Stream: true, BufferSize: 4096})
	s.GrowBuffer(16384) // before the first read
	var e Element
	if _, err := s.NextElement(&e); err != nil {
		t.Fatal(err)
	}
	if s.BufferCap() != 16384 {
		t.Fatalf("buffer %d bytes after a growth asked for before the first read, want 16384", s.BufferCap())
	}
	s.GrowBuffer(8192) // smaller: nothing to do
	if _, err := s.NextElement(&e); err != nil {
		t.Fatal(err)
	}
	if s.BufferCap() != 16384 {
		t.Fatalf("buffer %d bytes after asking for less, want 16384", s.BufferCap())
	}
	s.GrowBuffer(1 << 17) // asked for, then dropped by the release
	if !s.ReleaseBuffer() {
		t.Fatal("not released")
	}
	r.data = []byte(`<b/>`)
	if _, err := s.NextElement(&e); err != nil {
		t.Fatal(err)
	}
	if s.BufferCap() != 4096 {
		t.Fatalf("buffer %d bytes after a release, want Options.BufferSize (4096)", s.BufferCap())
	}
	s.ResetBytes([]byte(`<a/>`))
	s.GrowBuffer(1 << 20)
	if _, err := s.Next(); err != nil || s.BufferCap() != 0 {
		t.Fatalf("a scanner over bytes grew a buffer: %d bytes, %v", s.BufferCap(), err)
	}
}

// Growing and releasing, round the pool, allocates nothing.
func TestGrowBufferAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random; make test runs this without it")
	}
	msg := []byte(`<message><body>hi</body></message>`)
	r := &chunkReader{}
	s := NewScanner(r, Options{Stream: true, BufferSize: 4096})
	r.data, r.sizes = []byte(`<s:stream xmlns:s='x' xmlns='jabber:client'>`), []int{1 << 20}
	var e Element
	s.NextElement(&e)
	round := func() {
		r.data = msg
		s.GrowBuffer(1 << 16)
		if k, err := s.NextElement(&e); err != nil || k != WholeElement {
			t.Fatal(k, err)
		}
		if s.BufferCap() != 1<<16 {
			t.Fatalf("buffer %d bytes, want %d", s.BufferCap(), 1<<16)
		}
		s.ReleaseBuffer()
	}
	for range 10 {
		round()
	}
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Errorf("%v allocations per growth and release, want 0", n)
	}
}
