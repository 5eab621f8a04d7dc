package benchpeer

import (
	"bytes"
	"io"
)

// MemSource serves a stream from memory, for benchmarks that measure a
// component's own cost without a network or a peer: a header, then n
// copies of a stanza in chunks of perChunk copies, then the footer (if
// any), then io.EOF.
type MemSource struct {
	chunk  []byte // perChunk whole copies of the stanza
	per    int    // copies in chunk
	left   int    // copies still to serve
	footer []byte // served after the last copy, then nil
	piece  []byte // what is being served
}

// NewMemSource returns a MemSource; footer may be empty.
func NewMemSource(header string, stanza []byte, perChunk, n int, footer string) *MemSource {
	perChunk = max(perChunk, 1)
	return &MemSource{
		chunk:  bytes.Repeat(stanza, perChunk),
		per:    perChunk,
		left:   n,
		footer: []byte(footer),
		piece:  []byte(header),
	}
}

// Read serves what comes next, as much as fits in p.
func (m *MemSource) Read(p []byte) (int, error) {
	if len(m.piece) == 0 {
		switch {
		case m.left > 0:
			k := min(m.per, m.left)
			m.left -= k
			m.piece = m.chunk[:k*(len(m.chunk)/m.per)]
		case len(m.footer) > 0:
			m.piece, m.footer = m.footer, nil
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, m.piece)
	m.piece = m.piece[n:]
	return n, nil
}
