package fastxml

import (
	"bytes"
	"io"
	"testing"

	"github.com/xmppcore/xmppcore/internal/corpus"
)

var (
	chatCorpus  = corpus.Chat(4 << 20)
	mixedCorpus = corpus.Mixed(4 << 20)
)

func corpora() []struct {
	name string
	data []byte
} {
	return []struct {
		name string
		data []byte
	}{{"chat", chatCorpus}, {"mixed", mixedCorpus}}
}

// BenchmarkNext: every token, names and attributes resolved, nothing
// decoded.
func BenchmarkNext(b *testing.B) {
	for _, c := range corpora() {
		b.Run(c.name, func(b *testing.B) {
			s := NewScanner(nil, Options{Stream: true})
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.ResetBytes(c.data)
				for {
					if _, err := s.Next(); err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
				}
			}
		})
	}
}

// BenchmarkNextReader reads through an io.Reader, as from a connection.
func BenchmarkNextReader(b *testing.B) {
	for _, c := range corpora() {
		b.Run(c.name, func(b *testing.B) {
			s := NewScanner(nil, Options{Stream: true})
			r := bytes.NewReader(c.data)
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r.Reset(c.data)
				s.Reset(r)
				for {
					if _, err := s.Next(); err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
				}
			}
		})
	}
}

// BenchmarkReadElement builds the Element index of every stanza.
func BenchmarkReadElement(b *testing.B) {
	for _, c := range corpora() {
		b.Run(c.name, func(b *testing.B) {
			s := NewScanner(nil, Options{Stream: true})
			var e Element
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.ResetBytes(c.data)
				for {
					k, err := s.Next()
					if err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
					if k == StartElement && s.Depth() == 2 {
						if err := s.ReadElement(&e); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
		})
	}
}

// BenchmarkNextElement indexes every stanza through NextElement, the
// path stream.Reader takes.
func BenchmarkNextElement(b *testing.B) {
	for _, c := range corpora() {
		b.Run(c.name, func(b *testing.B) {
			s := NewScanner(nil, Options{Stream: true})
			var e Element
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.ResetBytes(c.data)
				for {
					if _, err := s.NextElement(&e); err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
				}
			}
		})
	}
}

func BenchmarkIndexByteLimit(b *testing.B) {
	for _, c := range corpora() {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			n := 0
			for i := 0; i < b.N; i++ {
				d := c.data
				for {
					j := bytes.IndexByte(d, '<')
					if j < 0 {
						break
					}
					n++
					d = d[j+1:]
				}
			}
			if n == 0 {
				b.Fatal("no '<'")
			}
		})
	}
}
