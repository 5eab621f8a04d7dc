package fastxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// scanWith scans in through r with the given options and returns the
// final error (nil at a clean io.EOF).
func scanWith(r io.Reader, opts Options) (*Scanner, error) {
	s := NewScanner(r, opts)
	for {
		if _, err := s.Next(); err != nil {
			if err == io.EOF {
				return s, nil
			}
			return s, err
		}
	}
}

// scanElementsWith is scanWith reading every unit with ReadElement, so
// that the stanza fast path meets the limits too.
func scanElementsWith(r io.Reader, opts Options) (*Scanner, error) {
	s := NewScanner(r, opts)
	unit := 1
	if opts.Stream {
		unit = 2
	}
	var e Element
	for {
		k, err := s.Next()
		if err == nil && k == StartElement && s.Depth() == unit {
			err = s.ReadElement(&e)
		}
		if err != nil {
			if err == io.EOF {
				return s, nil
			}
			return s, err
		}
	}
}

// scanNextElementsWith is scanWith driven by NextElement.
func scanNextElementsWith(r io.Reader, opts Options) (*Scanner, error) {
	s := NewScanner(r, opts)
	var e Element
	for {
		if _, err := s.NextElement(&e); err != nil {
			if err == io.EOF {
				return s, nil
			}
			return s, err
		}
	}
}

func wantPolicy(t *testing.T, name string, err error, off int64, limit string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Condition != ErrPolicyViolation || e.Offset != off || e.Limit != limit {
		t.Errorf("%s: got %v, want policy-violation (%s) at %d", name, err, limit, off)
	}
}

func TestLimitsAreExactAndChunkingInvariant(t *testing.T) {
	msg := `<message><body>hello</body></message>` // 37 bytes
	for _, c := range []struct {
		name  string
		lim   Limits
		in    string
		off   int64 // -1: accepted
		limit string
	}{
		{"stanza exactly at the limit", Limits{MaxStanzaBytes: 37}, hdr + msg + msg, -1, ""},
		{"stanza one byte over", Limits{MaxStanzaBytes: 36}, hdr + msg, hdrLen + 36, "MaxStanzaBytes"},
		{"limit passed inside a name", Limits{MaxStanzaBytes: 3}, hdr + `<message/>`, hdrLen + 3, "MaxStanzaBytes"},
		{"limit passed inside a value", Limits{MaxStanzaBytes: 8}, hdr + `<m a='0123456789'/>`, hdrLen + 8, "MaxStanzaBytes"},
		{"syntax error before the limit wins", Limits{MaxStanzaBytes: 8}, hdr + `<m a='<23456789'/>`, hdrLen + 6, ""},
		{"depth exactly at the limit", Limits{MaxDepth: 3}, hdr + `<a><b><c/></b></a>`, -1, ""},
		{"one level too deep", Limits{MaxDepth: 3}, hdr + `<a><b><c><d/></c></b></a>`, hdrLen + 9, "MaxDepth"},
		{"document depth counts the root", Limits{MaxDepth: 1}, `<a><b/></a>`, 3, "MaxDepth"},
		{"attributes exactly at the limit", Limits{MaxAttrs: 3}, hdr + `<m a='1' b='2' xmlns:c='3'/>`, -1, ""},
		{"one attribute too many", Limits{MaxAttrs: 3}, hdr + `<m a='1' b='2' c='3' d='4'/>`, hdrLen + 21, "MaxAttrs"},
		{"name exactly at the limit", Limits{MaxNameBytes: 8}, hdr + `<abcdefgh abcdefgh='1'/>`, -1, ""},
		{"element name one byte over", Limits{MaxNameBytes: 8}, hdr + `<abcdefghi/>`, hdrLen + 9, "MaxNameBytes"},
		{"attribute name one byte over", Limits{MaxNameBytes: 8}, hdr + `<a abcdefghi='1'/>`, hdrLen + 11, "MaxNameBytes"},
		{"end tag name one byte over", Limits{MaxNameBytes: 8}, hdr + `<a></abcdefghi>`, hdrLen + 13, "MaxNameBytes"},
		{"entity name one byte over", Limits{MaxNameBytes: 8}, hdr + `<a>&abcdefghi;</a>`, hdrLen + 12, "MaxNameBytes"},
		{"multi-byte name char across the limit", Limits{MaxNameBytes: 8}, hdr + "<abcdefg\u00e9/>", hdrLen + 9, "MaxNameBytes"},
		{"char ref longer than the name limit", Limits{MaxNameBytes: 8}, hdr + `<a>&#000000000065;</a>`, hdrLen + 11, "MaxNameBytes"},
		{"depth limit in a stanza read whole", Limits{MaxDepth: 2}, hdr + `<a><b><c/></b></a>`, hdrLen + 6, "MaxDepth"},
		{"header exactly at the limit", Limits{MaxHeaderBytes: int(hdrLen)}, hdr + `<m/>`, -1, ""},
		{"header one byte over", Limits{MaxHeaderBytes: int(hdrLen) - 1}, hdr + `<m/>`, hdrLen - 1, "MaxHeaderBytes"},
	} {
		check := func(how string, r io.Reader) {
			scan := scanWith
			switch {
			case strings.HasSuffix(how, "nextelement"):
				scan = scanNextElementsWith
			case strings.HasSuffix(how, "elements"):
				scan = scanElementsWith
			}
			_, err := scan(r, Options{Stream: strings.HasPrefix(c.in, hdr), Limits: c.lim})
			switch {
			case c.off < 0 && err != nil:
				t.Errorf("%s (%s): %v", c.name, how, err)
			case c.off >= 0 && c.limit == "":
				if !errors.Is(err, ErrNotWellFormed) {
					t.Errorf("%s (%s): got %v, want not-well-formed", c.name, how, err)
				}
			case c.off >= 0:
				wantPolicy(t, c.name+" ("+how+")", err, c.off, c.limit)
			}
		}
		in := []byte(c.in)
		for _, mode := range []string{"tokens", "elements", "nextelement"} {
			check("whole, "+mode, bytes.NewReader(in))
			check("one byte per read, "+mode, &chunkReader{data: in, sizes: []int{1}})
			for cut := 1; cut < len(in); cut++ {
				check(fmt.Sprintf("split at %d, %s", cut, mode), splitReader(in, cut))
			}
		}
	}
}

// SECURITY-CASES 11-13: oversized stanzas, deep nesting, attribute
// floods and 1 MiB values trickled a byte per read are cut at their
// limit, with the scanner's memory bounded by the limits.
func TestHostileInputsAreBounded(t *testing.T) {
	const limit = 64 << 10
	opts := Options{Stream: true, Limits: Limits{MaxStanzaBytes: limit}}
	for _, c := range []struct {
		name   string
		in     []byte
		off    int64
		limit  string
		oneBye bool
	}{
		{"1 MiB attribute value, one byte per read", []byte(hdr + `<m a='` + strings.Repeat("v", 1<<20) + `'/>`), hdrLen + limit, "MaxStanzaBytes", true},
		{"1 MiB text", []byte(hdr + `<m>` + strings.Repeat("t", 1<<20) + `</m>`), hdrLen + limit, "MaxStanzaBytes", false},
		{"100k attributes", []byte(hdr + `<m` + strings.Repeat(` a='1'`, 100000) + `/>`), hdrLen + 2 + 6*DefaultMaxAttrs + 1, "MaxAttrs", false},
		{"a million open tags", []byte(hdr + strings.Repeat(`<a>`, 1000000)), hdrLen + 3*DefaultMaxDepth, "MaxDepth", false},
		{"10 MiB of whitespace inside a stanza", []byte(hdr + `<m` + strings.Repeat(" ", 10<<20)), hdrLen + limit, "MaxStanzaBytes", false},
	} {
		var r io.Reader = bytes.NewReader(c.in)
		if c.oneBye {
			r = &chunkReader{data: c.in, sizes: []int{1}}
		}
		s, err := scanWith(r, opts)
		wantPolicy(t, c.name, err, c.off, c.limit)
		if !c.oneBye {
			_, err := scanElementsWith(bytes.NewReader(c.in), opts)
			wantPolicy(t, c.name+" (elements)", err, c.off, c.limit)
			_, err = scanNextElementsWith(bytes.NewReader(c.in), opts)
			wantPolicy(t, c.name+" (nextelement)", err, c.off, c.limit)
		}
		if n := len(s.buf); n > 4*limit {
			t.Errorf("%s: buffer grew to %d bytes", c.name, n)
		}
	}
}

// Whitespace keepalives between stanzas are consumed as they come: a
// long idle stream does not accumulate them, however many arrive.
func TestKeepaliveFloodIsNotBuffered(t *testing.T) {
	in := hdr + strings.Repeat(" ", 8<<20) + `<m/>` + strings.Repeat("\n", 1<<20)
	s, err := scanWith(strings.NewReader(in), Options{Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.buf) > defaultBufferSize {
		t.Errorf("buffer grew to %d bytes on whitespace", len(s.buf))
	}
}
