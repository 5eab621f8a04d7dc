package corpus

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"
)

// Both corpora must be well-formed XML (checked with encoding/xml) and
// deterministic.
func TestCorporaAreWellFormedAndStable(t *testing.T) {
	for name, gen := range map[string]func(int) []byte{"chat": Chat, "mixed": Mixed} {
		a, b := gen(1<<20), gen(1<<20)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: not deterministic", name)
		}
		if len(a) < 1<<20-1024 || len(a) > 1<<20+4096 {
			t.Errorf("%s: %d bytes for a 1 MiB request", name, len(a))
		}
		d := xml.NewDecoder(bytes.NewReader(a))
		n := 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if _, ok := tok.(xml.StartElement); ok {
				n++
			}
		}
		if n < 1000 {
			t.Errorf("%s: only %d elements", name, n)
		}
	}
}
