package fuzz

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stream"
)

// chunks returns data in reads of the given sizes, cycling.
type chunks struct {
	data  []byte
	sizes []int
	i     int
	// With grow set, the read numbered growAt asks grow for a 4 KiB
	// buffer, as a busy stream asks its scanner for a larger one.
	grow   *fastxml.Scanner
	growAt int
}

func (r *chunks) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := max(1, r.sizes[r.i%len(r.sizes)])
	r.i++
	n = min(n, len(r.data), len(p))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	if r.grow != nil && r.i == r.growAt {
		r.grow.GrowBuffer(4096)
	}
	return n, nil
}

// render scans everything and renders tokens (or, with elements, each
// unit's Element) and the final error canonically.
func render(s *fastxml.Scanner, stream, elements bool) string {
	var sb strings.Builder
	var e fastxml.Element
	for {
		var k fastxml.Kind
		var err error
		if elements {
			// NextElement reads units whole; its rendering must match
			// ReadElement's and the tokens'.
			k, err = s.NextElement(&e)
			if k == fastxml.WholeElement {
				renderNode(&sb, e.Root())
				continue
			}
		} else {
			k, err = s.Next()
		}
		if err != nil {
			var fe *fastxml.Error
			switch {
			case err == io.EOF:
				sb.WriteString("EOF")
			case errors.As(err, &fe):
				fmt.Fprintf(&sb, "ERR %s@%d", fe.Condition, fe.Offset)
			default:
				sb.WriteString("ERR " + err.Error())
			}
			return sb.String()
		}
		switch k {
		case fastxml.StartElement:
			n := s.Name()
			fmt.Fprintf(&sb, "<{%s}%s", n.Space, n.Local)
			for i := 0; i < s.NumAttrs(); i++ {
				a := s.Attr(i)
				fmt.Fprintf(&sb, " {%s}%s=%q", a.Name().Space, a.Name().Local, a.AppendValue(nil))
			}
			sb.WriteString(">")
		case fastxml.EndElement:
			sb.WriteString("</>")
		case fastxml.Text:
			fmt.Fprintf(&sb, "%q", s.AppendText(nil))
		}
	}
}

func renderNode(sb *strings.Builder, n fastxml.Node) { renderNodeDecls(sb, n, true) }

// renderNodeDecls renders n; without decls, namespace declarations are
// left out, so trees compare by names alone.
func renderNodeDecls(sb *strings.Builder, n fastxml.Node, decls bool) {
	renderTree(sb, n, decls, false)
}

// renderText renders n as renderNodeDecls does without declarations,
// but with its text as character data rather than nodes: adjacent text
// nodes (text around a CDATA section) as one, empty ones (an empty
// CDATA section) not at all. That is what AppendStandalone keeps.
func renderText(sb *strings.Builder, n fastxml.Node) { renderTree(sb, n, false, true) }

func renderTree(sb *strings.Builder, n fastxml.Node, decls, merge bool) {
	if n.IsText() {
		fmt.Fprintf(sb, "%q", n.AppendText(nil))
		return
	}
	nm := n.Name()
	fmt.Fprintf(sb, "<{%s}%s", nm.Space, nm.Local)
	for i := 0; i < n.NumAttrs(); i++ {
		a := n.AttrAt(i)
		if !decls && a.IsNamespaceDecl() {
			continue
		}
		fmt.Fprintf(sb, " {%s}%s=%q", a.Name().Space, a.Name().Local, a.AppendValue(nil))
	}
	sb.WriteString(">")
	var text []byte
	for c := n.FirstChild(); c.Valid(); c = c.NextSibling() {
		if merge && c.IsText() {
			text = c.AppendText(text)
			continue
		}
		flushText(sb, &text)
		renderTree(sb, c, decls, merge)
	}
	flushText(sb, &text)
	sb.WriteString("</>")
}

// The input is tokenised the same way whole, in reads of sizes drawn
// from the fuzzer, and one byte at a time; Elements agree as well.
func FuzzChunking(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s, uint16(7), uint16(1), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, a, b uint16, stream bool) {
		if len(data) > 1<<16 {
			return
		}
		opts := fastxml.Options{Stream: stream, BufferSize: 1, Limits: fastxml.Limits{MaxStanzaBytes: 4096, MaxDepth: 16, MaxAttrs: 16, MaxNameBytes: 64, MaxHeaderBytes: 2048}}
		s := fastxml.NewScanner(nil, opts)
		for _, elements := range []bool{false, true} {
			s.ResetBytes(data)
			want := render(s, stream, elements)
			for _, sizes := range [][]int{{int(a%64) + 1, int(b%64) + 1}, {1}} {
				s.Reset(&chunks{data: data, sizes: sizes})
				if got := render(s, stream, elements); got != want {
					t.Fatalf("elements=%v reads %v:\n%s\nwhole:\n%s", elements, sizes, got, want)
				}
			}
			// The buffer grown between two reads, anywhere.
			growAt := int(b%16) + 1
			s.Reset(&chunks{data: data, sizes: []int{int(a%64) + 1}, grow: s, growAt: growAt})
			if got := render(s, stream, elements); got != want {
				t.Fatalf("elements=%v reads of %d, grown after read %d:\n%s\nwhole:\n%s", elements, a%64+1, growAt, got, want)
			}
		}
	})
}

// The reasons fastxml refuses input that encoding/xml (Strict) accepts.
// Each is a deliberate difference: the RFC 6120 profile, Namespaces in
// XML (which encoding/xml does not enforce), strictness encoding/xml
// lacks, or document-level rules it does not check.
var refusalAllowList = map[string]string{
	"comment":                   "RFC 6120 §11.1 forbids comments",
	"processing instruction":    "RFC 6120 §11.1 forbids processing instructions",
	"document type declaration": "RFC 6120 §11.1 forbids DTDs",
	"reference to an entity other than the five predefined ones": "RFC 6120 §11.1 forbids entity references",
	"element prefix is not declared":                             "Namespaces in XML: encoding/xml leaves undeclared prefixes unresolved",
	"attribute prefix is not declared":                           "Namespaces in XML",
	"element name with the reserved prefix xmlns":                "Namespaces in XML",
	"the prefix xmlns must not be declared":                      "Namespaces in XML",
	"the prefix xml must not be bound to another namespace":      "Namespaces in XML",
	"only the prefix xml may be bound to the XML namespace":      "Namespaces in XML",
	"the xmlns namespace must not be declared":                   "Namespaces in XML",
	"a prefix cannot be bound to the empty namespace name":       "Namespaces in XML 1.0 (no prefix undeclaring)",
	"duplicate attribute":                                        "duplicates after namespace expansion (golang/go#8068)",
	"name with an empty prefix or local part":                    "QName syntax (expat CVE-2018-20843)",
	"name with more than one colon":                              "QName syntax (Go CVE-2020-29509)",
	"local part does not start with a name character":            "QName syntax",
	"text before the root element":                               "encoding/xml does not check document structure",
	"text after the root element":                                "encoding/xml does not check document structure",
	"element after the root element":                             "encoding/xml does not check document structure",
	"input ended before the root element":                        "encoding/xml does not check document structure",
	"CDATA section outside the root element":                     "encoding/xml does not check document structure",
	"XML declaration not at the start of the input":              "encoding/xml treats a late declaration as a PI",
	"XML version other than 1.0 (RFC 6120 §11.8)":                "RFC 6120 §11.8",
	"malformed XML declaration":                                  "encoding/xml reads the declaration loosely",
	"XML declaration without a version":                          "encoding/xml reads the declaration loosely",
	"unexpected pseudo-attribute in the XML declaration":         "encoding/xml reads the declaration loosely",
	"malformed version in the XML declaration":                   "encoding/xml reads the declaration loosely",
	"malformed encoding name in the XML declaration":             "encoding/xml reads the declaration loosely",
	"standalone must be 'yes' or 'no'":                           "encoding/xml reads the declaration loosely",
	"unexpected character in the XML declaration":                "encoding/xml reads the declaration loosely",
	"']]>' in character data":                                    "XML 1.0 §2.4; encoding/xml allows it",
	"invalid UTF-8":                                              "strict UTF-8 in names (encoding/xml decodes loosely)",
	"'<?' not followed by a target name":                         "a PI without a target",
	"input looks like UTF-16 or UTF-32 (NUL byte at the start)":  "RFC 6120 §11.6",
	"input looks like UTF-16 (NUL byte at the start)":            "RFC 6120 §11.6",
	"input starts with a UTF-16 byte order mark":                 "RFC 6120 §11.6",
	"XML declaration names an encoding other than UTF-8":         "RFC 6120 §11.6",
	"unexpected character in a start tag":                        "encoding/xml accepts some characters after names that XML does not",
	"'<' not followed by a name, '/', '!' or '?'":                "XML names: encoding/xml accepts more start characters",
	"'</' not followed by a name":                                "XML names: encoding/xml accepts more start characters",
	"expected '>' in an end tag":                                 "XML names: encoding/xml accepts more name characters",
	"expected '=' after an attribute name":                       "XML names: encoding/xml accepts more name characters",
	"attributes must be separated by whitespace":                 "XML 1.0 §3.1; encoding/xml allows them to touch",
	"'&' not followed by a name or '#'":                          "XML names in references",
	"entity reference not terminated by ';'":                     "XML names in references",
	"'<!' not followed by '--', 'DOCTYPE' or '[CDATA['":          "encoding/xml accepts any <!directive>; outside a DTD XML allows only comments and CDATA",
	"character reference to a non-Char":                          "XML 1.0 §4.1 WFC Legal Character; encoding/xml accepts surrogates",
}

// acceptAllowList holds the encoding/xml errors for input that fastxml
// rightly accepts: where encoding/xml follows an older rule.
var acceptAllowList = map[string]string{
	"invalid XML name": "XML 1.0 Fifth Edition name characters; encoding/xml uses the First Edition's tables",
}

func allowedRefusal(err error) bool {
	for k := range acceptAllowList {
		if strings.Contains(err.Error(), k) {
			return true
		}
	}
	return false
}

// What fastxml accepts, encoding/xml in strict mode accepts with the
// same names, attributes and text. What encoding/xml accepts and fastxml
// refuses, it refuses for a reason on the allow-list above.
func FuzzDifferential(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		differential(t, data)
	})
}

// differential is FuzzDifferential's check of one input.
func differential(t *testing.T, data []byte) {
	t.Helper()
	ours, ourErr := fastxmlTree(data)
	theirs, theirErr := encodingXMLTree(data)
	switch {
	case ourErr == nil && theirErr != nil && !allowedRefusal(theirErr):
		t.Fatalf("fastxml accepts what encoding/xml refuses (%v):\n%q", theirErr, data)
	case ourErr == nil && theirErr == nil && ours != theirs:
		t.Fatalf("trees differ for %q:\nfastxml:      %s\nencoding/xml: %s", data, ours, theirs)
	case ourErr != nil && theirErr == nil:
		var fe *fastxml.Error
		if !errors.As(ourErr, &fe) {
			t.Fatalf("not a *fastxml.Error: %v", ourErr)
		}
		if fe.Condition == fastxml.ErrPolicyViolation {
			return // limits: encoding/xml has none
		}
		if _, ok := refusalAllowList[fe.Reason]; !ok {
			t.Fatalf("fastxml refuses what encoding/xml accepts, for a reason not on the allow-list: %v\n%q", ourErr, data)
		}
	}
}

// fastxmlTree renders data, scanned as a document, in the canonical
// form both parsers are compared in.
func fastxmlTree(data []byte) (string, error) {
	s := fastxml.NewScanner(nil, fastxml.Options{})
	s.ResetBytes(data)
	var sb strings.Builder
	var text []byte
	for {
		k, err := s.Next()
		if err == io.EOF {
			return sb.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch k {
		case fastxml.StartElement:
			flushText(&sb, &text)
			n := s.Name()
			var attrs []string
			for i := 0; i < s.NumAttrs(); i++ {
				a := s.Attr(i)
				if a.IsNamespaceDecl() {
					continue
				}
				an := a.Name()
				attrs = append(attrs, fmt.Sprintf("{%s}%s=%q", wsToSpace(an.Space), an.Local, wsToSpace(a.AppendValue(nil))))
			}
			sort.Strings(attrs)
			fmt.Fprintf(&sb, "<{%s}%s %s>", wsToSpace(n.Space), n.Local, strings.Join(attrs, " "))
		case fastxml.EndElement:
			flushText(&sb, &text)
			sb.WriteString("</>")
		case fastxml.Text:
			text = s.AppendText(text)
		}
	}
}

func encodingXMLTree(data []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var sb strings.Builder
	var text []byte
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return sb.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			flushText(&sb, &text)
			var attrs []string
			for _, a := range tok.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				attrs = append(attrs, fmt.Sprintf("{%s}%s=%q", wsToSpace([]byte(a.Name.Space)), a.Name.Local, wsToSpace([]byte(a.Value))))
			}
			sort.Strings(attrs)
			fmt.Fprintf(&sb, "<{%s}%s %s>", wsToSpace([]byte(tok.Name.Space)), tok.Name.Local, strings.Join(attrs, " "))
		case xml.EndElement:
			depth--
			flushText(&sb, &text)
			sb.WriteString("</>")
		case xml.CharData:
			if depth > 0 { // fastxml has no tokens for whitespace around the root
				text = append(text, tok...)
			}
		}
	}
}

func flushText(sb *strings.Builder, text *[]byte) {
	if len(*text) > 0 {
		fmt.Fprintf(sb, "%q", *text)
		*text = (*text)[:0]
	}
}

// wsToSpace maps tab, CR and LF to spaces: encoding/xml does not apply
// attribute-value normalisation, and after decoding the two cannot be
// told apart from references, so both sides are compared this way.
// That goes for namespace names too: a namespace is its declaration's
// normalised value (Namespaces in XML 1.0, section 3), which fastxml
// gives and encoding/xml does not.
func wsToSpace(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, string(b))
}

// Arbitrary bytes as a stream: no panic; the scanner's memory stays
// within its limits; every stanza the reader yields re-serializes with
// AppendStandalone into a line that fastxml accepts alone, with the
// same tree.
func FuzzStream(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(streamRoundTrip)
}

// streamRoundTrip is FuzzStream's check of one input.
func streamRoundTrip(t *testing.T, data []byte) {
	t.Helper()
	lim := fastxml.Limits{MaxStanzaBytes: 2048, MaxHeaderBytes: 1024, MaxDepth: 12, MaxAttrs: 12, MaxNameBytes: 48}
	r := stream.NewReader(bytes.NewReader(data), stream.ReaderConfig{Limits: lim, BufferSize: 64})
	var e fastxml.Element
	var line []byte
	for {
		err := r.Next(&e)
		if c := r.Scanner().BufferCap(); c > 4*2048+1024 {
			t.Fatalf("buffer grew to %d bytes with MaxStanzaBytes 2048", c)
		}
		if err != nil {
			var se *stream.Error
			if err != io.EOF && !errors.As(err, &se) {
				t.Fatalf("not a *stream.Error: %v", err)
			}
			return
		}
		line = e.Root().AppendStandalone(line[:0])
		var want, got strings.Builder
		renderText(&want, e.Root())
		s := fastxml.NewScanner(nil, fastxml.Options{Limits: fastxml.Limits{MaxStanzaBytes: 1 << 20, MaxAttrs: 1000}})
		s.ResetBytes(line)
		k, err := s.Next()
		if err == nil {
			var ee fastxml.Element
			if k != fastxml.StartElement {
				t.Fatalf("standalone line starts with %v: %q", k, line)
			}
			if err = s.ReadElement(&ee); err == nil {
				renderText(&got, ee.Root())
			}
		}
		if err != nil || got.String() != want.String() {
			t.Fatalf("standalone line %q: %v\ngot  %s\nwant %s", line, err, got.String(), want.String())
		}
	}
}
