package benchpeer

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net"
	"strings"
	"testing"
	"testing/iotest"
	"time"
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

// reflectPeer starts a Server on loopback and opens a reflecting
// component stream on it by hand, sending pipelined (if not empty) in
// the same write as the handshake. It returns the connection after the
// peer's <handshake/>, and what came with it.
func reflectPeer(t *testing.T, pipelined string) (net.Conn, *bufio.Reader) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{}
	go srv.Serve(ln)
	t.Cleanup(func() { ln.Close(); srv.Close() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='reflect.test'>`)
	br := bufio.NewReader(conn)
	if decl, err := br.ReadString('>'); err != nil || !strings.HasPrefix(decl, "<?xml") {
		t.Fatalf("no XML declaration first: %q, %v", decl, err)
	}
	hdr, err := br.ReadString('>')
	if err != nil {
		t.Fatal(err)
	}
	_, id, _ := strings.Cut(hdr, "id='")
	id, _, _ = strings.Cut(id, "'")
	sum := sha1.Sum([]byte(id + DefaultSecret))
	io.WriteString(conn, "<handshake>"+hex.EncodeToString(sum[:])+"</handshake>"+pipelined)
	if got, err := br.ReadString('>'); err != nil || got != "<handshake/>" {
		t.Fatalf("handshake answer %q, %v", got, err)
	}
	return conn, br
}

// A reflecting stream sends back every byte as it comes, cut anywhere:
// stanzas that came with the handshake (which the peer's scanner holds),
// then raw bytes, half a stanza at a time; the component's footer comes
// back as the peer's, and the peer then ends the connection.
func TestReflectSendsBackBytesAsTheyCome(t *testing.T) {
	first := "<message id='1'><body>one</body></message><presence/>"
	conn, br := reflectPeer(t, first)
	expect := func(want string) {
		t.Helper()
		got := make([]byte, len(want))
		if _, err := io.ReadFull(br, got); err != nil || string(got) != want {
			t.Fatalf("got back %q (%v), want %q", got, err, want)
		}
	}
	expect(first)
	// Half a stanza comes back before the rest is sent: no parsing.
	for _, piece := range []string{"<message id='2'><bo", "dy>t&amp;wo</body></mess", "age>"} {
		io.WriteString(conn, piece)
		expect(piece)
	}
	io.WriteString(conn, "</stream:stream>")
	expect("</stream:stream>")
	conn.(*net.TCPConn).CloseWrite()
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after the footer: %q, %v; want the end", rest, err)
	}
}

// The component's footer among the stanzas the peer's scanner holds
// ends the stream there: what came before it goes back, then the footer.
func TestReflectFooterWithTheHandshake(t *testing.T) {
	_, br := reflectPeer(t, "<presence/></stream:stream>")
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "<presence/></stream:stream>" {
		t.Errorf("got %q, %v", rest, err)
	}
}

// repeatReader returns its bytes on every read.
type repeatReader []byte

func (r repeatReader) Read(p []byte) (int, error) { return copy(p, r), nil }

// BenchmarkTagCounter counts the replies of an echo flood: one op is
// one reply, read in 64 KiB reads as the peer reads them.
func BenchmarkTagCounter(b *testing.B) {
	const reply = `<message to='juliet@capulet.example/balcony' from='bot@echo.bench.example' type='chat'><body>fair o capulet what it art the my yonder window breaks</body></message>`
	per := (64 << 10) / len(reply)
	r := repeatReader(strings.Repeat(reply, per))
	var c tagCounter
	b.SetBytes(int64(len(reply)))
	b.ReportAllocs()
	for counted := 0; counted < b.N; {
		n, _, err := c.read(r)
		if err != nil || n != per {
			b.Fatalf("%d replies, %v; want %d", n, err, per)
		}
		counted += n
	}
}
