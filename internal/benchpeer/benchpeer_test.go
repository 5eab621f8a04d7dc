package benchpeer

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// chunks reads s in pieces: the first cut at offset at, then n bytes at
// a time.
type chunks struct {
	s      string
	at, n  int
	offset int
}

func (c *chunks) Read(p []byte) (int, error) {
	if c.offset == len(c.s) {
		return 0, io.EOF
	}
	k := c.n
	if c.offset < c.at {
		k = c.at - c.offset
	}
	k = min(k, len(p), len(c.s)-c.offset)
	copy(p, c.s[c.offset:c.offset+k])
	c.offset += k
	return k, nil
}

// count reads r to its end (or to </stream:stream>) with a tagCounter.
func count(t *testing.T, r io.Reader) (messages int, closed bool) {
	t.Helper()
	var c tagCounter
	for i := 0; i < 100000; i++ {
		n, cl, err := c.read(r)
		messages += n
		if cl {
			return messages, true
		}
		if err == io.EOF {
			return messages, false
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("no end after 100000 reads")
	return
}

// The counter finds every </message> and the </stream:stream>, and
// nothing else (other end tags, names that only start the same), with
// the input cut at every offset and read in pieces of every size up to
// a tag's length.
func TestTagCounterAnyChunking(t *testing.T) {
	const replies = `<message to='a'><body>x &lt;/message&gt;</body></message>` +
		`<message><messages/></messagex></message>` +
		`<iq type='result'/></iq><message></message >` + // whitespace before '>' too
		"<message/><message></message\r\n\t></message\t></"
	const want = 5
	for _, tail := range []struct {
		text   string
		closed bool
	}{{"stream:stream>", true}, {"body>", false}} {
		in := replies + tail.text
		for at := 0; at <= len(in); at++ {
			for n := 1; n <= 16; n++ {
				got, closed := count(t, &chunks{s: in, at: at, n: n})
				if got != want || closed != tail.closed {
					t.Fatalf("cut at %d, then %d bytes a read, ending %q: %d messages, closed %v; want %d, %v",
						at, n, tail.text, got, closed, want, tail.closed)
				}
			}
		}
	}
	// One read of everything, and one byte at a time.
	if got, _ := count(t, strings.NewReader(replies)); got != want {
		t.Errorf("in one read: %d messages, want %d", got, want)
	}
	if got, _ := count(t, iotest.OneByteReader(strings.NewReader(replies))); got != want {
		t.Errorf("a byte at a time: %d messages, want %d", got, want)
	}
}
