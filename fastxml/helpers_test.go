package fastxml

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// chunkReader returns data in reads whose sizes follow sizes (cycling).
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := r.sizes[r.i%len(r.sizes)]
	r.i++
	if n > len(r.data) {
		n = len(r.data)
	}
	if n > len(p) {
		n = len(p)
	}
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// splitReader returns data in two reads, split at cut.
func splitReader(data []byte, cut int) io.Reader {
	sizes := []int{cut, len(data)}
	if cut == 0 {
		sizes = []int{len(data)}
	}
	return &chunkReader{data: data, sizes: sizes}
}

// dumpTokens scans all of s and renders tokens and the final error in
// a canonical text form: the basis of every chunking comparison.
func dumpTokens(s *Scanner) string {
	var sb strings.Builder
	var buf []byte
	for {
		k, err := s.Next()
		if err != nil {
			if err == io.EOF {
				sb.WriteString("EOF")
			} else {
				sb.WriteString(errString(err))
			}
			return sb.String()
		}
		switch k {
		case StartElement:
			n := s.Name()
			fmt.Fprintf(&sb, "<{%s}%s|%s", n.Space, n.Local, n.Prefix)
			for i := 0; i < s.NumAttrs(); i++ {
				a := s.Attr(i)
				buf = a.AppendValue(buf[:0])
				fmt.Fprintf(&sb, " {%s}%s=%q", a.Name.Space, a.Name.Local, buf)
			}
			if s.SelfClosing() {
				sb.WriteString("/")
			}
			sb.WriteString(">")
		case EndElement:
			n := s.Name()
			fmt.Fprintf(&sb, "</{%s}%s>", n.Space, n.Local)
		case Text:
			buf = s.AppendText(buf[:0])
			fmt.Fprintf(&sb, "%q", buf)
		}
		sb.WriteString("\n")
	}
}

func errString(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return fmt.Sprintf("ERR %s@%d", e.Condition, e.Offset)
	}
	return "ERR " + err.Error()
}
