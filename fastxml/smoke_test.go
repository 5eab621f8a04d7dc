package fastxml

import (
	"bytes"
	"testing"
)

func TestSmoke(t *testing.T) {
	for _, in := range []string{
		`<s:s xmlns:s='urn:s'> <m></m>  </s:s>`,
		`<s:s xmlns:s='urn:s'> <m/>  </s:s>`,
		`<s:s xmlns:s='urn:s'> <m>a</m>  </s:s>`,
	} {
		s := NewScanner(bytes.NewReader([]byte(in)), Options{Stream: true})
		t.Log("\n" + dumpTokens(s))
	}
}
