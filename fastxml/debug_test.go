//go:build xmppcoredebug

package fastxml

import (
	"bytes"
	"strings"
	"testing"
)

// In xmppcoredebug builds, bytes kept past their lifetime are poisoned,
// so code that keeps them fails its tests loudly.
func TestDebugPoisonsStaleSlices(t *testing.T) {
	s := NewScanner(strings.NewReader(hdr+`<message to='romeo'><body>hi</body></message>`), Options{Stream: true})
	s.Next() // header
	s.Next() // <message>
	name := s.Name().Local
	to := s.Attr(0).Raw()
	raw := s.Raw()
	s.Next() // <body>
	s.Next() // "hi"
	text := s.Text(nil)
	s.Next() // </body>
	for what, b := range map[string][]byte{"name": name, "attribute": to, "raw token": raw, "text": text} {
		if len(b) == 0 || bytes.Count(b, []byte{poison}) != len(b) {
			t.Errorf("%s kept past the next call was not poisoned: %q", what, b)
		}
	}
}

func TestDebugStaleElementPanics(t *testing.T) {
	s := NewScanner(strings.NewReader(hdr+`<message/><presence/>`), Options{Stream: true})
	s.Next()
	s.Next()
	var e Element
	if err := s.ReadElement(&e); err != nil {
		t.Fatal(err)
	}
	raw := e.Raw()
	kept := e.Clone()
	s.Next() // the scanner moves on
	defer func() {
		if recover() == nil {
			t.Error("using an Element after its scanner moved on did not panic")
		}
		if string(kept.Raw()) != "<message/>" {
			t.Errorf("Clone did not survive: %q", kept.Raw())
		}
		if bytes.Equal(raw, []byte("<message/>")) {
			t.Errorf("the stale Element's bytes were not poisoned: %q", raw)
		}
	}()
	e.Root().Name()
}
