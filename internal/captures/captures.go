// Package captures reads the wire transcripts recorded from real Prosody
// 0.12 and ejabberd 23.01 servers (testdata/, see its README): every
// read and write of every connection, verbatim. Tests use them to check
// the scanner and the stream layer against the bytes real servers send.
package captures

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
)

// Block is one read (S->C) or write (C->S) of a connection.
type Block struct {
	FromServer bool
	Data       []byte
	// Incomplete is set when the transcript elided part of the block and
	// the missing bytes cannot be restored: Data then has the right
	// length, with '?' where they were.
	Incomplete bool
}

// Conn is one TCP connection of a transcript.
type Conn struct {
	Event  string // the "====" line that opened it
	Blocks []Block
}

// Complete reports whether every block of the connection is complete.
func (c *Conn) Complete() bool {
	for _, b := range c.Blocks {
		if b.Incomplete {
			return false
		}
	}
	return true
}

// Server returns everything the server sent on the connection, in
// order.
func (c *Conn) Server() []byte { return c.side(true) }

// Client returns everything the client sent.
func (c *Conn) Client() []byte { return c.side(false) }

func (c *Conn) side(server bool) []byte {
	var b []byte
	for _, bl := range c.Blocks {
		if bl.FromServer == server {
			b = append(b, bl.Data...)
		}
	}
	return b
}

// Streams splits bytes sent on one connection into the XML streams they
// hold: a stream restart (after STARTTLS or SASL) begins a new one with
// its XML declaration or stream header.
func Streams(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		next := -1
		for _, marker := range [][]byte{[]byte("<?xml "), []byte("<stream:stream ")} {
			if i := bytes.Index(data[1:], marker); i >= 0 && (next < 0 || i+1 < next) {
				next = i + 1
			}
		}
		// A declaration directly followed by its header is one start.
		if next > 0 && bytes.HasPrefix(data, []byte("<?xml ")) {
			if j := bytes.Index(data, []byte("?>")); j >= 0 && j+2 == next {
				rest := data[next:]
				next = -1
				for _, marker := range [][]byte{[]byte("<?xml "), []byte("<stream:stream ")} {
					if i := bytes.Index(rest[1:], marker); i >= 0 && (next < 0 || j+2+i+1 < next) {
						next = j + 2 + i + 1
					}
				}
			}
		}
		if next < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:next])
		data = data[next:]
	}
	return out
}

var (
	blockHeader = regexp.MustCompile(`^---- \[[ 0-9.]+s\] (S->C|C->S) (\d+) bytes ----\n$`)
	elided      = regexp.MustCompile(`^\[\.\.\. (\d+) bytes elided \.\.\.\]\n`)
)

// readBlock reads a block of n bytes. Long blocks of the stanza-limit
// transcripts are stored shortened, as a first line, "[... K bytes
// elided ...]" and a last line. Where the cut is inside the 'x' filler
// of the oversized message body (both sides are 'x'), the filler is put
// back; otherwise the block is marked incomplete.
func readBlock(br *bufio.Reader, n int) ([]byte, bool, error) {
	peek, _ := br.Peek(min(n, 1<<16) + 64)
	if i := bytes.IndexByte(peek, '\n'); i >= 0 && i < n {
		if m := elided.FindSubmatch(peek[i+1:]); m != nil {
			k, _ := strconv.Atoi(string(m[1]))
			head := append([]byte(nil), peek[:i]...)
			br.Discard(i + 1 + len(m[0]))
			tail := make([]byte, n-len(head)-k)
			if _, err := io.ReadFull(br, tail); err != nil {
				return nil, false, err
			}
			if nl, err := br.ReadByte(); err != nil || nl != '\n' {
				return nil, false, fmt.Errorf("elided block of %d bytes not followed by a newline", n)
			}
			fill, known := byte('?'), false
			if len(head) > 0 && len(tail) > 0 && head[len(head)-1] == 'x' && tail[0] == 'x' {
				fill, known = 'x', true
			}
			data := append(head, bytes.Repeat([]byte{fill}, k)...)
			return append(data, tail...), !known, nil
		}
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(br, data); err != nil {
		return nil, false, err
	}
	if nl, err := br.ReadByte(); err != nil || nl != '\n' {
		return nil, false, fmt.Errorf("block of %d bytes not followed by a newline", n)
	}
	return data, false, nil
}

// Parse reads one transcript.
func Parse(r io.Reader) ([]Conn, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var conns []Conn
	for {
		line, err := br.ReadString('\n')
		if err == io.EOF && line == "" {
			return conns, nil
		}
		if err != nil {
			return nil, err
		}
		switch {
		case len(line) > 4 && line[:4] == "====":
			// Only a new TCP connection starts a Conn; the other event
			// lines (TLS established, CASE n, timeouts) annotate one.
			if bytes.Contains([]byte(line), []byte("TCP connected")) || bytes.Contains([]byte(line), []byte("plain TCP to")) {
				conns = append(conns, Conn{Event: line})
			}
		case len(line) > 4 && line[:4] == "----":
			m := blockHeader.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("bad block header %q", line)
			}
			n, _ := strconv.Atoi(m[2])
			data, incomplete, err := readBlock(br, n)
			if err != nil {
				return nil, err
			}
			if len(conns) == 0 {
				conns = append(conns, Conn{})
			}
			c := &conns[len(conns)-1]
			c.Blocks = append(c.Blocks, Block{FromServer: m[1] == "S->C", Data: data, Incomplete: incomplete})
		}
	}
}

// Dir is the directory holding the transcripts.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata")
}

// Files returns the paths of all transcripts.
func Files() ([]string, error) {
	return filepath.Glob(filepath.Join(Dir(), "*.txt"))
}

// Load parses the transcript at path.
func Load(path string) ([]Conn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f)
}
