package fastxml

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
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
	for {
		k, err := s.Next()
		if err != nil {
			return dumpEnd(&sb, err)
		}
		dumpToken(&sb, s, k)
	}
}

// dumpToken renders the current token of s, as every dump function
// does, followed by a newline.
func dumpToken(sb *strings.Builder, s *Scanner, k Kind) {
	switch k {
	case StartElement:
		n := s.Name()
		fmt.Fprintf(sb, "<{%s}%s|%s", n.Space, n.Local, n.Prefix)
		for i := 0; i < s.NumAttrs(); i++ {
			a := s.Attr(i)
			fmt.Fprintf(sb, " {%s}%s=%q", a.Name().Space, a.Name().Local, a.AppendValue(nil))
		}
		if s.SelfClosing() {
			sb.WriteString("/")
		}
		sb.WriteString(">")
	case EndElement:
		n := s.Name()
		fmt.Fprintf(sb, "</{%s}%s>", n.Space, n.Local)
	case Text:
		fmt.Fprintf(sb, "%q", s.AppendText(nil))
	}
	sb.WriteString("\n")
}

// dumpEnd renders the error that ended a dump.
func dumpEnd(sb *strings.Builder, err error) string {
	if err == io.EOF {
		sb.WriteString("EOF")
	} else {
		sb.WriteString(errString(err))
	}
	return sb.String()
}

func errString(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return fmt.Sprintf("ERR %s@%d", e.Condition, e.Offset)
	}
	return "ERR " + err.Error()
}

// dumpElements scans like dumpTokens, but reads every unit with
// ReadElement and renders it from the Element, which must produce the
// same text as the tokens did.
func dumpElements(s *Scanner, stream bool) string {
	var sb strings.Builder
	var e Element
	unitDepth := 1
	if stream {
		unitDepth = 2
	}
	for {
		k, err := s.Next()
		if err == nil && k == StartElement && s.Depth() == unitDepth {
			if err = s.ReadElement(&e); err == nil {
				dumpNode(&sb, e.Root())
				continue
			}
		}
		if err != nil {
			return dumpEnd(&sb, err)
		}
		dumpToken(&sb, s, k)
	}
}

// dumpNextElements is dumpElements driven by NextElement.
func dumpNextElements(s *Scanner, stream bool) string {
	var sb strings.Builder
	var e Element
	for {
		k, err := s.NextElement(&e)
		if err != nil {
			return dumpEnd(&sb, err)
		}
		if k == WholeElement {
			dumpNode(&sb, e.Root())
			continue
		}
		dumpToken(&sb, s, k)
	}
}

func dumpNode(sb *strings.Builder, n Node) {
	if n.IsText() {
		fmt.Fprintf(sb, "%q\n", n.AppendText(nil))
		return
	}
	nm := n.Name()
	fmt.Fprintf(sb, "<{%s}%s|%s", nm.Space, nm.Local, nm.Prefix)
	for i := 0; i < n.NumAttrs(); i++ {
		a := n.AttrAt(i)
		fmt.Fprintf(sb, " {%s}%s=%q", a.Name().Space, a.Name().Local, a.AppendValue(nil))
	}
	raw := n.Raw()
	empty := len(n.RawContent()) == 0 && len(raw) >= 2 && raw[len(raw)-2] == '/'
	if empty {
		sb.WriteString("/")
	}
	sb.WriteString(">\n")
	for c := n.FirstChild(); c.Valid(); c = c.NextSibling() {
		dumpNode(sb, c)
	}
	fmt.Fprintf(sb, "</{%s}%s>\n", nm.Space, nm.Local)
}

// readDoc reads the document in as one Element, with default options.
func readDoc(t *testing.T, in string) *Element {
	t.Helper()
	s := NewScanner(strings.NewReader(in), Options{})
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	var e Element
	if err := s.ReadElement(&e); err != nil {
		t.Fatal(err)
	}
	return &e
}
