package bench

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"

	"github.com/muktihari/xmltokenizer"
	"github.com/orisano/gosax"
	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/corpus"
)

// The two 4 MiB corpora every scanner reads, through an io.Reader, as it
// would from a connection.
var corpora = []struct {
	name string
	data []byte
}{
	{"chat", corpus.Chat(4 << 20)},
	{"mixed", corpus.Mixed(4 << 20)},
}

type scanner struct {
	name string
	run  func(b *testing.B, r *bytes.Reader, data []byte)
}

var scanners = []scanner{
	// IndexByte('<'): the floor of any XML scan, validating nothing.
	{"indexbyte", func(b *testing.B, r *bytes.Reader, data []byte) {
		n := 0
		for d := data; ; {
			i := bytes.IndexByte(d, '<')
			if i < 0 {
				break
			}
			n++
			d = d[i+1:]
		}
		if n == 0 {
			b.Fatal("no markup")
		}
	}},
	// fastxml, tokens only: names resolved, everything validated.
	{"fastxml-tokens", func(b *testing.B, r *bytes.Reader, data []byte) {
		s := newFastxml(r)
		for {
			if _, err := s.Next(); err != nil {
				checkEOF(b, err)
				return
			}
		}
	}},
	// fastxml, every name, attribute value and text decoded.
	{"fastxml-full", func(b *testing.B, r *bytes.Reader, data []byte) {
		s := newFastxml(r)
		buf := make([]byte, 0, 1024) // scratch for the values that need decoding
		n := 0
		for {
			k, err := s.Next()
			if err != nil {
				checkEOF(b, err)
				sink += n
				return
			}
			switch k {
			case fastxml.StartElement:
				n += len(s.Name().Local)
				for i := 0; i < s.NumAttrs(); i++ {
					a := s.Attr(i)
					n += len(a.Name().Local) + len(a.Value(buf))
				}
			case fastxml.Text:
				n += len(s.Text(buf))
			}
		}
	}},
	// fastxml, one Element index per stanza through NextElement (what the
	// stream layer uses).
	{"fastxml-elements", func(b *testing.B, r *bytes.Reader, data []byte) {
		s := newFastxml(r)
		e := &fxElement
		n := 0
		for {
			k, err := s.NextElement(e)
			if err != nil {
				checkEOF(b, err)
				sink += n
				return
			}
			if k == fastxml.WholeElement {
				n += len(e.Raw())
			}
		}
	}},
	{"encodingxml-rawtoken", func(b *testing.B, r *bytes.Reader, data []byte) {
		d := xml.NewDecoder(r)
		for {
			if _, err := d.RawToken(); err != nil {
				checkEOF(b, err)
				return
			}
		}
	}},
	{"encodingxml-token", func(b *testing.B, r *bytes.Reader, data []byte) {
		d := xml.NewDecoder(r)
		for {
			if _, err := d.Token(); err != nil {
				checkEOF(b, err)
				return
			}
		}
	}},
	// gosax, events only: tag boundaries, no names, no validation.
	{"gosax-events", func(b *testing.B, r *bytes.Reader, data []byte) {
		g := gosax.NewReader(r)
		for {
			e, err := g.Event()
			if err != nil {
				b.Fatal(err)
			}
			if e.Type() == gosax.EventEOF {
				return
			}
		}
	}},
	// gosax with names, attributes and unescaped values and text.
	{"gosax-full", func(b *testing.B, r *bytes.Reader, data []byte) {
		g := gosax.NewReader(r)
		n := 0
		for {
			e, err := g.Event()
			if err != nil {
				b.Fatal(err)
			}
			switch e.Type() {
			case gosax.EventEOF:
				sink += n
				return
			case gosax.EventStart:
				name, rest := gosax.Name(e.Bytes)
				n += len(name)
				for len(rest) > 0 {
					var a gosax.Attribute
					a, rest, err = gosax.NextAttribute(rest)
					if err != nil {
						b.Fatal(err)
					}
					if len(a.Key) == 0 {
						break
					}
					v, err := gosax.Unescape(a.Value[1 : len(a.Value)-1])
					if err != nil {
						b.Fatal(err)
					}
					n += len(a.Key) + len(v)
				}
			case gosax.EventText:
				v, err := gosax.Unescape(e.Bytes)
				if err != nil {
					b.Fatal(err)
				}
				n += len(v)
			}
		}
	}},
	{"xmltokenizer", func(b *testing.B, r *bytes.Reader, data []byte) {
		t := xmltokenizer.New(r)
		for {
			tok, err := t.Token()
			if err != nil {
				checkEOF(b, err)
				return
			}
			sink += len(tok.Name.Local) + len(tok.Attrs) + len(tok.Data)
		}
	}},
}

var sink int

// fxScanner is reused across iterations, as a connection's scanner is
// across stanzas: steady state allocates nothing.
var fxScanner = fastxml.NewScanner(nil, fastxml.Options{Stream: true, BufferSize: 64 << 10})

func newFastxml(r io.Reader) *fastxml.Scanner {
	fxScanner.Reset(r)
	return fxScanner
}

var fxElement fastxml.Element

func checkEOF(b *testing.B, err error) {
	if err != io.EOF {
		b.Fatal(err)
	}
}

// BenchmarkScan runs every scanner over both corpora. Compare with
// benchstat; `make bench` prints the table.
func BenchmarkScan(b *testing.B) {
	for _, c := range corpora {
		for _, sc := range scanners {
			b.Run(c.name+"/"+sc.name, func(b *testing.B) {
				r := bytes.NewReader(c.data)
				b.SetBytes(int64(len(c.data)))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					r.Reset(c.data)
					sc.run(b, r, c.data)
				}
			})
		}
	}
}
