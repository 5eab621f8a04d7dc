package fastxml

import (
	"bytes"
	"io"
	"testing"

	"github.com/xmppcore/xmppcore/internal/corpus"
)

// Zero allocations in steady state is a property of the scanner, not a
// benchmark result: once its buffers have grown, scanning a stream,
// reading its tokens and indexing its stanzas allocate nothing.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	if Debug {
		t.Skip("xmppcoredebug builds copy every borrowed slice on purpose")
	}
	data := corpus.Mixed(64 << 10)
	s := NewScanner(nil, Options{Stream: true})
	var e Element
	var scratch []byte
	r := bytes.NewReader(data)
	passes := map[string]func(){
		"tokens in place": func() {
			s.ResetBytes(data)
			for {
				if _, err := s.Next(); err != nil {
					if err != io.EOF {
						t.Fatal(err)
					}
					return
				}
			}
		},
		"tokens from a reader, every accessor": func() {
			r.Reset(data)
			s.Reset(r)
			for {
				k, err := s.Next()
				if err != nil {
					if err != io.EOF {
						t.Fatal(err)
					}
					return
				}
				switch k {
				case StartElement:
					_ = s.Name()
					for i := 0; i < s.NumAttrs(); i++ {
						a := s.Attr(i)
						_ = a.Name()
						scratch = a.AppendValue(scratch[:0])
						_ = a.Value(scratch)
					}
				case Text:
					scratch = s.AppendText(scratch[:0])
					_ = s.Text(scratch)
				}
			}
		},
		"elements and their accessors": func() {
			r.Reset(data)
			s.Reset(r)
			for {
				k, err := s.Next()
				if err != nil {
					if err != io.EOF {
						t.Fatal(err)
					}
					return
				}
				if k == StartElement && s.Depth() == 2 {
					if err := s.ReadElement(&e); err != nil {
						t.Fatal(err)
					}
					root := e.Root()
					_, _ = root.Attr("", "to")
					scratch, _ = root.AppendAttr(scratch[:0], "", "from")
					scratch = root.ChildLocal("body").AppendText(scratch[:0])
					scratch = root.AppendStandalone(scratch[:0])
				}
			}
		},
	}
	for name, pass := range passes {
		pass() // grow the buffers
		pass()
		if n := testing.AllocsPerRun(5, pass); n != 0 {
			t.Errorf("%s: %v allocations per pass over %d bytes, want 0", name, n, len(data))
		}
	}
}
