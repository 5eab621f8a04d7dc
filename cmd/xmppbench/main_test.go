package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xmppcore/xmppcore/internal/captures"
	"github.com/xmppcore/xmppcore/internal/corpus"
)

func runCmd(args []string, stdin string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const hdr = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en'>`

// at renders an expected error line for a problem k bytes after hdr.
func at(k int, format string) string {
	return "error: " + fmt.Sprintf(format, len(hdr)+k) + "\n"
}

func TestScanContract(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		in   string
		code int
		out  string // exact stdout
	}{
		{"stanzas and footer", nil, hdr + `<message to='a@b'><body>hi</body></message> <presence/></stream:stream>`, 0,
			"<message xmlns=\"jabber:client\" to=\"a@b\"><body>hi</body></message>\n<presence xmlns=\"jabber:client\"/>\n"},
		{"eof between stanzas is clean", nil, hdr + `<presence/>`, 0, "<presence xmlns=\"jabber:client\"/>\n"},
		{"prefixed first-level element declares its prefix", nil, hdr + `<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`, 0,
			"<stream:features xmlns:stream=\"http://etherx.jabber.org/streams\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/></stream:features>\n"},
		{"escapes: CR LF tab, entities, cdata", nil, hdr + "<message a='x&#9;y&#10;z&#13;&lt;&quot;'>a\r\nb\tc &amp; <![CDATA[<&>]]></message>", 0,
			"<message xmlns=\"jabber:client\" a=\"x&#x9;y&#xA;z&#xD;&lt;&quot;\">a&#xA;b&#x9;c &amp; &lt;&amp;&gt;</message>\n"},
		{"attribute normalisation", nil, hdr + "<message a='x\ty\r\nz'/>", 0, "<message xmlns=\"jabber:client\" a=\"x y z\"/>\n"},
		{"xml:lang of the stream is not copied", nil, hdr + `<message/>`, 0, "<message xmlns=\"jabber:client\"/>\n"},
		{"stanza's own xml:lang is kept", nil, hdr + `<message xml:lang='de'/>`, 0, "<message xmlns=\"jabber:client\" xml:lang=\"de\"/>\n"},
		{"outer prefix used on an attribute", nil, `<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback'><db:result from='a' to='b'>key</db:result><message db:x='1'/>`, 0,
			"<db:result xmlns:db=\"jabber:server:dialback\" from=\"a\" to=\"b\">key</db:result>\n<message xmlns=\"jabber:server\" xmlns:db=\"jabber:server:dialback\" db:x=\"1\"/>\n"},
		{"not-well-formed", nil, hdr + `<message><body></message>`, 1, at(15, "not-well-formed: byte %d: end tag does not match the open element")},
		{"lines before the error are printed", nil, hdr + `<presence/><message a='<'/>`, 1, "<presence xmlns=\"jabber:client\"/>\n" + at(23, "not-well-formed: byte %d: '<' in an attribute value")},
		{"restricted-xml after footer", nil, hdr + `</stream:stream><?pi?>`, 1, at(16, "restricted-xml: byte %d: processing instruction")},
		{"invalid-namespace", nil, `<stream:stream xmlns='jabber:foo' xmlns:stream='http://etherx.jabber.org/streams'>`, 1, "error: invalid-namespace: byte 0: unsupported content namespace jabber:foo\n"},
		{"bad-format", nil, hdr + `hello`, 1, at(0, "bad-format: byte %d: character data between first-level elements")},
		{"eof before header", nil, `<stream:str`, 1, "error: not-well-formed: byte 11: input ended inside a tag\n"},
		{"exactly max bytes", []string{"--max-stanza-bytes", "11"}, hdr + `<message/> <presence/>`, 0, "<message xmlns=\"jabber:client\"/>\n<presence xmlns=\"jabber:client\"/>\n"},
		{"one byte over", []string{"--max-stanza-bytes", "10"}, hdr + `<message/><presence/>`, 1,
			"<message xmlns=\"jabber:client\"/>\n" + at(20, "policy-violation: byte %d: element larger than the size limit (Limits.MaxStanzaBytes)")},
		{"exactly max depth", []string{"--max-depth", "2"}, hdr + `<message><body/></message>`, 0, "<message xmlns=\"jabber:client\"><body/></message>\n"},
		{"one level too deep", []string{"--max-depth", "2"}, hdr + `<message><a><b/></a></message>`, 1,
			at(12, "policy-violation: byte %d: elements nested deeper than the limit (Limits.MaxDepth)")},
		{"unsupported-encoding", nil, `<?xml version='1.0' encoding='ISO-8859-1'?>`, 1, "error: unsupported-encoding: byte 0: XML declaration names an encoding other than UTF-8\n"},
	} {
		args := append([]string{"scan"}, c.args...)
		code, out, _ := runCmd(append(args, "-"), c.in)
		if code != c.code || out != c.out {
			t.Errorf("%s: exit %d, output:\n%s\nwant exit %d:\n%s", c.name, code, out, c.code, c.out)
		}
	}
}

func TestScanFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.xml")
	os.WriteFile(path, []byte(hdr+`<presence/>`), 0o644)
	if code, out, _ := runCmd([]string{"scan", path}, ""); code != 0 || out != "<presence xmlns=\"jabber:client\"/>\n" {
		t.Errorf("exit %d: %q", code, out)
	}
	if code, _, errOut := runCmd([]string{"scan", filepath.Join(t.TempDir(), "missing")}, ""); code != 1 || errOut == "" {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
}

// Every line scan prints, parsed alone by encoding/xml (an independent
// parser), must give the same namespace-resolved tree as the element in
// the stream, parsed the same way.
func TestScanLinesRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"chat":  corpus.Chat(256 << 10),
		"mixed": corpus.Mixed(256 << 10),
		"namespaces": []byte(hdr + `<message xmlns:p='urn:p' p:a='1'><p:x xmlns:q='urn:q' q:b='2' xmlns=''><y/>` +
			`<p:z xmlns:p='urn:other'/></p:x><stream:error/></message><iq xmlns='jabber:server'><q xmlns:stream='urn:s2'><stream:x/></q></iq>`),
	}
	files, _ := captures.Files()
	for _, f := range files {
		conns, _ := captures.Load(f)
		for ci, c := range conns {
			if !c.Complete() {
				continue
			}
			for si, s := range captures.Streams(c.Server()) {
				if bytes.Contains(s, []byte("<message xml:lang='en' to='alice@localhost/raw'")) {
					continue // the 300 KiB stanza: over scan's default limit
				}
				inputs[fmt.Sprintf("%s/%d/%d", filepath.Base(f), ci, si)] = s
			}
		}
	}
	for name, in := range inputs {
		code, out, _ := runCmd([]string{"scan"}, string(in))
		if code != 0 {
			t.Errorf("%s: exit %d: %s", name, code, lastLine(out))
			continue
		}
		want := firstLevelTrees(t, in)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if out == "" {
			lines = nil
		}
		if len(lines) != len(want) {
			t.Errorf("%s: %d lines, want %d", name, len(lines), len(want))
			continue
		}
		for i, line := range lines {
			got := firstLevelTrees(t, []byte("<r>"+line+"</r>"))
			if len(got) != 1 || got[0] != want[i] {
				t.Errorf("%s line %d:\n%s\ngot tree  %v\nwant tree %s", name, i, line, got, want[i])
				break
			}
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// firstLevelTrees parses doc with encoding/xml and renders each child of
// its root as a canonical namespace-resolved tree: names as {space}local,
// attributes sorted, namespace declarations left out, text merged.
func firstLevelTrees(t *testing.T, doc []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var trees []string
	var sb strings.Builder
	depth := 0
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			fmt.Fprintf(&sb, "%q", text.String())
			text.Reset()
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF || (err != nil && depth == 1) {
			return trees // a stream may end without its footer
		}
		if err != nil {
			t.Fatalf("encoding/xml: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			if depth < 2 {
				continue
			}
			flush()
			var attrs []string
			for _, a := range tok.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				attrs = append(attrs, fmt.Sprintf("{%s}%s=%q", a.Name.Space, a.Name.Local, a.Value))
			}
			sort.Strings(attrs)
			fmt.Fprintf(&sb, "<{%s}%s %s>", tok.Name.Space, tok.Name.Local, strings.Join(attrs, " "))
		case xml.EndElement:
			depth--
			if depth < 1 {
				continue
			}
			flush()
			sb.WriteString("</>")
			if depth == 1 {
				trees = append(trees, sb.String())
				sb.Reset()
			}
		case xml.CharData:
			if depth >= 2 {
				text.Write(tok)
			}
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"nonsense"},
		{"scan", "--no-such-flag"},
		{"scan", "--max-depth", "0"},
		{"scan", "a", "b"},
		{"parse", "--corpus", "huge"},
		{"parse", "--duration", "-1s"},
		{"bot"},
		{"bot", "--addr", "127.0.0.1:1", "--component", "x"},
	} {
		if code, _, errOut := runCmd(args, ""); code != 2 || !strings.Contains(errOut, "usage") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a usage message", args, code, errOut)
		}
	}
	if code, out, _ := runCmd([]string{"help"}, ""); code != 0 || !strings.Contains(out, "scan") {
		t.Errorf("help: exit %d, %q", code, out)
	}
}

func TestParseJSON(t *testing.T) {
	code, out, errOut := runCmd([]string{"parse", "--json", "--corpus", "chat", "--duration", "50ms"}, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	for _, k := range []string{"bytes", "stanzas", "seconds", "mb_per_s", "ns_per_stanza", "allocs_per_stanza"} {
		v, ok := res[k].(float64)
		if !ok || (k != "allocs_per_stanza" && v <= 0) {
			t.Errorf("%s = %v", k, res[k])
		}
	}
	if res["allocs_per_stanza"].(float64) > 0.01 {
		t.Errorf("allocs_per_stanza = %v", res["allocs_per_stanza"])
	}
}

func TestParseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.xml")
	os.WriteFile(path, []byte(hdr+strings.Repeat(`<message><body>x</body></message>`, 100)), 0o644)
	code, out, errOut := runCmd([]string{"parse", "--duration", "20ms", path}, "")
	if code != 0 || !strings.Contains(out, "MB/s") {
		t.Errorf("exit %d: %s %s", code, out, errOut)
	}
	os.WriteFile(path, []byte(hdr+`<message>`), 0o644)
	if code, _, errOut := runCmd([]string{"parse", "--duration", "20ms", path}, ""); code != 1 || !strings.Contains(errOut, "not-well-formed") {
		t.Errorf("bad stream: exit %d: %s", code, errOut)
	}
}
