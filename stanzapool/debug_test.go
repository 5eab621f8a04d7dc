//go:build xmppcoredebug

package stanzapool

import (
	"bytes"
	"testing"
)

// In xmppcoredebug builds a use after release fails loudly.
func TestDebugPoisonsReleasedBuffers(t *testing.T) {
	var p Pool
	b := p.Clone([]byte("<message/>"))
	kept := b.B // a holder that forgot it gave its reference away
	b.Release()
	if !bytes.Equal(kept, bytes.Repeat([]byte{0xFF}, len(kept))) {
		t.Errorf("released bytes were not poisoned: %q", kept)
	}
	for name, use := range map[string]func(){"Bytes": func() { b.Bytes() }, "Retain": func() { b.Retain() }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s after Release did not panic", name)
				}
			}()
			use()
		}()
	}
}
