package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// reportNode is an element of the report parsed as XML: the page is
// written to be well-formed XML as well as HTML5, so encoding/xml in strict
// mode checks that every element is closed and nested right.
type reportNode struct {
	name     string
	attr     map[string]string
	children []*reportNode
	text     string // the element's own character data
}

// all returns the elements named name under n (n included), in document
// order.
func (n *reportNode) all(name string) []*reportNode {
	var out []*reportNode
	var walk func(*reportNode)
	walk = func(m *reportNode) {
		if m.name == name {
			out = append(out, m)
		}
		for _, c := range m.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

// textContent is all the character data under n.
func (n *reportNode) textContent() string {
	s := n.text
	for _, c := range n.children {
		s += c.textContent()
	}
	return s
}

func parseReport(t *testing.T, doc string) *reportNode {
	t.Helper()
	if !strings.HasPrefix(doc, "<!DOCTYPE html>\n") {
		t.Fatalf("no HTML5 doctype: %.40q", doc)
	}
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	var root *reportNode
	var stack []*reportNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &reportNode{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatalf("second root element <%s>", n.name)
				}
				root = n
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			} else if strings.TrimSpace(string(tok)) != "" {
				t.Fatalf("text outside <html>: %q", tok)
			}
		case xml.Directive:
			if root != nil || string(tok) != "DOCTYPE html" {
				t.Fatalf("unexpected directive <!%s>", tok)
			}
		default:
			t.Fatalf("unexpected token %T", tok)
		}
	}
	if root == nil || root.name != "html" {
		t.Fatal("no <html> root element")
	}
	return root
}

var (
	reportSelfClosing = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*/>`)
	reportPathData    = regexp.MustCompile(`^M-?\d+(\.\d)? -?\d+(\.\d)?( L-?\d+(\.\d)? -?\d+(\.\d)?)*$`)
	reportRotate      = regexp.MustCompile(`^rotate\(-90 \d+ \d+\)$`)
)

// checkReport checks what every report must be: well-formed, HTML5 void
// or SVG elements only self-closed, self-contained, wantSVGs charts whose
// numbers are all finite. It returns the parsed page.
func checkReport(t *testing.T, out string, wantSVGs int) *reportNode {
	t.Helper()
	root := parseReport(t, out)
	for _, bad := range []string{"NaN", "Inf"} {
		if i := strings.Index(out, bad); i >= 0 {
			t.Errorf("output contains %q: ...%s...", bad, out[max(0, i-80):min(len(out), i+40)])
		}
	}
	// In HTML5 only void and foreign (SVG) elements may be self-closed.
	for _, m := range reportSelfClosing.FindAllStringSubmatch(out, -1) {
		switch m[1] {
		case "meta", "rect", "line", "path", "circle":
		default:
			t.Errorf("self-closed <%s/> is not closed in HTML5", m[1])
		}
	}
	// Self-contained: nothing to fetch, no script.
	lower := strings.ToLower(out)
	for _, ext := range []string{"<script", "<link", "<img", "<iframe", "<object", "src=", "href=", "url(", "@import", "https:"} {
		if strings.Contains(lower, ext) {
			t.Errorf("output contains %q", ext)
		}
	}
	if n, ns := strings.Count(out, "http:"), strings.Count(out, `xmlns="http://www.w3.org/2000/svg"`); n != ns {
		t.Errorf("%d http: references, want only the %d SVG namespaces", n, ns)
	}
	if len(root.all("head")) != 1 || len(root.all("body")) != 1 || len(root.all("style")) != 1 {
		t.Error("want one head, body and style")
	}

	svgs := root.all("svg")
	if len(svgs) != wantSVGs || strings.Count(out, "<svg") != wantSVGs {
		t.Fatalf("%d <svg> parsed, %d in text, want %d", len(svgs), strings.Count(out, "<svg"), wantSVGs)
	}
	for i, svg := range svgs {
		if svg.attr["xmlns"] != "http://www.w3.org/2000/svg" || svg.attr["viewBox"] != "0 0 720 360" {
			t.Errorf("svg %d: attributes %v", i, svg.attr)
		}
		texts := svg.all("text")
		if len(texts) < 6 {
			t.Errorf("svg %d: %d text elements, want ticks and axis labels", i, len(texts))
		}
		labels := 0
		for _, tx := range texts {
			if tx.attr["class"] == "label" {
				labels++
			}
		}
		if labels != 2 {
			t.Errorf("svg %d: %d axis labels, want 2", i, labels)
		}
		paths := svg.all("path")
		switch {
		case len(paths) > 1:
			t.Errorf("svg %d: %d paths", i, len(paths))
		case len(paths) == 1 && !reportPathData.MatchString(paths[0].attr["d"]):
			t.Errorf("svg %d: path data %q", i, paths[0].attr["d"])
		case len(paths) == 0 && !strings.Contains(svg.textContent(), "no plottable data"):
			t.Errorf("svg %d: no path and no note saying so", i)
		}
		var walk func(*reportNode)
		walk = func(n *reportNode) {
			for k, v := range n.attr {
				switch k {
				case "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height":
					f, err := strconv.ParseFloat(v, 64)
					if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < -1 || f > 721 {
						t.Errorf("svg %d: <%s %s=%q>", i, n.name, k, v)
					}
				case "transform":
					if !reportRotate.MatchString(v) {
						t.Errorf("svg %d: transform %q", i, v)
					}
				}
			}
			for _, c := range n.children {
				walk(c)
			}
		}
		walk(svg)
	}
	return root
}

func renderReport(t *testing.T, title, machine string, results []workloadResult) string {
	t.Helper()
	var b bytes.Buffer
	if err := writeHTML(&b, title, machine, results); err != nil {
		t.Fatalf("writeHTML: %v", err)
	}
	return b.String()
}

// reportSample is a run of three workloads: echo with a timeline, latency
// with percentiles and a timeline, idle with neither.
func reportSample() []workloadResult {
	var tl []timePoint
	for i := 1; i <= 20; i++ {
		tl = append(tl, timePoint{Seconds: float64(i) * 0.5, StanzasPerS: 80000 + float64(i%3)*5000})
	}
	return []workloadResult{
		{
			Workload: "echo", Connections: 64, Stanzas: 1000000, Seconds: 12.5, StanzasPerS: 80000,
			Latency:         &latencyUS{P50: 41.3, P90: 60, P99: 120.5, P999: 904, Max: 51234},
			AllocsPerStanza: 2.25, BytesPerStanza: 312.7, CPUSPer100k: 1.42, RSSMiB: 48.6,
			Timeline: tl,
		},
		{
			Workload: "latency", Connections: 1, Stanzas: 20000, Seconds: 10, StanzasPerS: 2000, Rate: 2000,
			Latency:         &latencyUS{P50: 35.5, P90: 50, P99: 88.25, P999: 410, Max: 7300},
			AllocsPerStanza: 3, BytesPerStanza: 0.5, CPUSPer100k: 0.0123, RSSMiB: 20, Errors: 3,
			Percentiles: []percentilePoint{
				{0, 20}, {50, 35.5}, {90, 50}, {99, 88.25}, {99.9, 410}, {99.99, 2000}, {100, 7300},
			},
			Timeline: []timePoint{{1, 1990}, {2, 2010}, {3, 2000}},
		},
		{Workload: "idle", Connections: 10000, Seconds: 5, RSSMiB: 160.25, MemPerConnKiB: 11.2, HeapPerConnKiB: 6.5},
	}
}

func TestWriteHTMLStructure(t *testing.T) {
	out := renderReport(t, "xmppbench run", "linux/amd64, 8 × AMD EPYC\ngo1.26", reportSample())
	root := checkReport(t, out, 3)

	if h := root.all("h1"); len(h) != 1 || h[0].textContent() != "xmppbench run" {
		t.Errorf("h1: %v", h)
	}
	if ti := root.all("title"); len(ti) != 1 || ti[0].textContent() != "xmppbench run" {
		t.Errorf("title: %v", ti)
	}
	if !strings.Contains(root.all("header")[0].textContent(), "linux/amd64, 8 × AMD EPYC\ngo1.26") {
		t.Error("machine description missing from the header")
	}
	// The charts, in order: echo's timeline, latency's percentiles, then its
	// timeline.
	var heads []string
	for _, f := range root.all("figcaption") {
		heads = append(heads, f.all("strong")[0].textContent())
	}
	want := []string{"Throughput over time: echo", "Latency percentiles: latency", "Throughput over time: latency"}
	if strings.Join(heads, "|") != strings.Join(want, "|") {
		t.Errorf("chart headings %q, want %q", heads, want)
	}
	svgs := root.all("svg")
	for i, wantLabels := range [][2]string{
		{"time (s)", "stanzas/s"},
		{"percentile (nines scale; points beyond the last tick, such as the max, on the right edge)", "latency (µs, log scale)"},
		{"time (s)", "stanzas/s"},
	} {
		var got []string
		for _, tx := range svgs[i].all("text") {
			if tx.attr["class"] == "label" {
				got = append(got, tx.textContent())
			}
		}
		if len(got) != 2 || got[0] != wantLabels[0] || got[1] != wantLabels[1] {
			t.Errorf("svg %d: axis labels %q, want %q", i, got, wantLabels)
		}
	}
	// One marker per point for short series.
	if n := len(svgs[0].all("circle")); n != 20 {
		t.Errorf("echo timeline: %d markers, want 20", n)
	}
	if n := len(svgs[1].all("circle")); n != 7 {
		t.Errorf("percentiles: %d markers, want 7", n)
	}
}

// reportRows maps each table row's workload to its cells' text.
func reportRows(t *testing.T, root *reportNode) (header []string, rows map[string][]string) {
	t.Helper()
	tables := root.all("table")
	if len(tables) != 1 {
		t.Fatalf("%d tables, want 1", len(tables))
	}
	for _, th := range tables[0].all("thead")[0].all("th") {
		header = append(header, th.textContent())
	}
	rows = map[string][]string{}
	for _, tr := range tables[0].all("tbody")[0].all("tr") {
		ths := tr.all("th")
		if len(ths) != 1 {
			t.Fatalf("row without one header cell: %v", tr)
		}
		var cells []string
		for _, td := range tr.all("td") {
			cells = append(cells, td.textContent())
		}
		if len(cells)+1 != len(header) {
			t.Errorf("row %q: %d cells, want %d", ths[0].text, len(cells), len(header)-1)
		}
		rows[ths[0].text] = cells
	}
	return header, rows
}

func TestWriteHTMLTable(t *testing.T) {
	out := renderReport(t, "t", "m", reportSample())
	root := checkReport(t, out, 3)
	header, rows := reportRows(t, root)
	wantHeader := []string{"workload", "connections", "stanzas", "seconds", "stanzas/s",
		"p50 µs", "p99 µs", "p99.9 µs", "max µs", "allocs/stanza", "bytes/stanza",
		"CPU s/100k", "RSS MiB", "KiB/conn", "heap KiB/conn", "errors"}
	if strings.Join(header, "|") != strings.Join(wantHeader, "|") {
		t.Errorf("header %q", header)
	}
	const m = reportMissing
	want := map[string][]string{
		"echo":    {"64", "1000000", "12.5", "80000", "41.3", "120.5", "904", "51234", "2.25", "312.7", "1.42", "48.6", m, m, "0"},
		"latency": {"1", "20000", "10", "2000", "35.5", "88.2", "410", "7300", "3", "0.5", "0.0123", "20", m, m, "3"},
		"idle":    {"10000", "0", "5", "0", m, m, m, m, "0", "0", "0", "160.2", "11.2", "6.5", "0"},
	}
	if len(rows) != len(want) {
		t.Errorf("%d rows, want %d", len(rows), len(want))
	}
	for w, cells := range want {
		if got := rows[w]; strings.Join(got, "|") != strings.Join(cells, "|") {
			t.Errorf("row %s:\n got %q\nwant %q", w, got, cells)
		}
	}
	// The offered rate is noted under the workload; errors are marked.
	if !strings.Contains(out, `latency<span class="note">offered 2000/s</span>`) {
		t.Error("offered rate missing")
	}
	if strings.Count(out, `<td class="bad">`) != 1 || !strings.Contains(out, `<td class="bad">3</td>`) {
		t.Error("errors cell not marked")
	}
}

func TestWriteHTMLEscapes(t *testing.T) {
	const (
		title   = `<script>alert("t")</script> & co`
		machine = "<b>cpu</b> \x00\x1b 'x'\xff"
		wl      = `<script>alert('w')</script>`
	)
	results := []workloadResult{{
		Workload: wl, Connections: 1, Stanzas: 1, Seconds: 1, StanzasPerS: 1,
		Percentiles: []percentilePoint{{50, 1}, {99, 2}},
		Timeline:    []timePoint{{1, 1}},
	}}
	out := renderReport(t, title, machine, results)
	root := checkReport(t, out, 2)
	if strings.Contains(strings.ToLower(out), "<script") || strings.Contains(out, "<b>") {
		t.Fatal("markup from the input reached the output unescaped")
	}
	if !strings.Contains(out, "&lt;script&gt;") {
		t.Error("no escaped <script> in the output")
	}
	// The text reads back as given (control characters and invalid UTF-8
	// replaced, as HTML and XML refuse them).
	if got := root.all("h1")[0].textContent(); got != title {
		t.Errorf("h1 %q, want %q", got, title)
	}
	if got, want := root.all("p")[0].textContent(), "<b>cpu</b> \uFFFD\uFFFD 'x'\uFFFD"; got != want {
		t.Errorf("machine %q, want %q", got, want)
	}
	_, rows := reportRows(t, root)
	if _, ok := rows[wl]; !ok {
		t.Errorf("no row for %q: %v", wl, rows)
	}
	for _, svg := range root.all("svg") {
		if !strings.HasSuffix(svg.attr["aria-label"], wl) {
			t.Errorf("aria-label %q", svg.attr["aria-label"])
		}
	}
}

func TestWriteHTMLDegenerate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name    string
		title   string
		results []workloadResult
		svgs    int
	}{
		{"nil results", "", nil, 0},
		{"empty result", "x", []workloadResult{{}}, 0},
		{"zeros", "x", []workloadResult{{Workload: "z", Latency: &latencyUS{},
			Percentiles: []percentilePoint{{0, 0}, {100, 0}}, Timeline: []timePoint{{0, 0}, {0, 0}}}}, 2},
		{"one point each", "x", []workloadResult{{Workload: "one",
			Percentiles: []percentilePoint{{99, 5}}, Timeline: []timePoint{{3, 100}}}}, 2},
		{"only 100%", "x", []workloadResult{{Percentiles: []percentilePoint{{100, 1e6}}}}, 1},
		{"NaN and Inf everywhere", "x", []workloadResult{{Workload: "n",
			Seconds: nan, StanzasPerS: inf, AllocsPerStanza: -inf, BytesPerStanza: nan, CPUSPer100k: nan,
			RSSMiB: inf, MemPerConnKiB: nan, HeapPerConnKiB: inf, Rate: nan,
			Latency:     &latencyUS{nan, nan, inf, -inf, nan},
			Percentiles: []percentilePoint{{nan, 1}, {50, nan}, {inf, 3}, {-inf, inf}, {99, -inf}},
			Timeline:    []timePoint{{nan, 1}, {1, nan}, {inf, 1}, {1, inf}}}}, 2},
		{"NaN among good points", "x", []workloadResult{{
			Percentiles: []percentilePoint{{50, 10}, {nan, nan}, {99, 20}},
			Timeline:    []timePoint{{1, 10}, {nan, 5}, {2, 30}}}}, 2},
		{"out of range and unsorted", "x", []workloadResult{{
			Percentiles: []percentilePoint{{99.9999999999, 3}, {-5, 1}, {250, 9}, {50, -4}, {99.99999, 8}},
			Timeline:    []timePoint{{5, -10}, {-3, 7}, {1, 1e300}, {2, 1e15}, {4, 5e-300}}}}, 2},
		{"huge and tiny", "x", []workloadResult{{Workload: "h", Stanzas: math.MaxInt64, Connections: math.MinInt,
			Seconds: 1e300, StanzasPerS: -1e-300, Errors: -1,
			Latency:     &latencyUS{1e-300, 1e300, 5e-324, math.MaxFloat64, -math.MaxFloat64},
			Percentiles: []percentilePoint{{10, 1e-9}, {50, 1e-5}, {99, 1e14}},
			Timeline:    []timePoint{{1e-9, 1e14}, {1e14, 1e-9}}}}, 2},
		{"duplicate x", "x", []workloadResult{{
			Percentiles: []percentilePoint{{50, 1}, {50, 2}, {50, 3}},
			Timeline:    []timePoint{{1, 1}, {1, 2}, {1, 3}}}}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := renderReport(t, c.title, "", c.results)
			root := checkReport(t, out, c.svgs)
			if c.title == "" && root.all("h1")[0].textContent() != "xmppbench report" {
				t.Error("empty title not replaced")
			}
			if len(c.results) == 0 {
				if len(root.all("table")) != 0 || !strings.Contains(out, "No results.") {
					t.Error("no results: want a note and no table")
				}
			} else if _, rows := reportRows(t, root); len(rows) != len(c.results) {
				t.Errorf("%d rows, want %d", len(rows), len(c.results))
			}
		})
	}
}

// reportTicks returns the tick labels of svg and their x (xAxis) or y
// positions.
func reportTicks(t *testing.T, svg *reportNode, xAxis bool) (labels []string, pos []float64) {
	t.Helper()
	for _, tx := range svg.all("text") {
		if tx.attr["class"] != "tick" || (tx.attr["text-anchor"] == "middle") != xAxis {
			continue
		}
		k := "y"
		if xAxis {
			k = "x"
		}
		f, err := strconv.ParseFloat(tx.attr[k], 64)
		if err != nil {
			t.Fatal(err)
		}
		labels = append(labels, tx.textContent())
		pos = append(pos, f)
	}
	return labels, pos
}

func reportEvenlySpaced(pos []float64) bool {
	for i := 2; i < len(pos); i++ {
		if math.Abs((pos[i]-pos[i-1])-(pos[1]-pos[0])) > 0.11 {
			return false
		}
	}
	return len(pos) >= 2 && pos[1] != pos[0]
}

func TestWriteHTMLPercentileAxes(t *testing.T) {
	res := reportSample()[1:2]
	res[0].Timeline = nil
	root := checkReport(t, renderReport(t, "t", "m", res), 1)
	svg := root.all("svg")[0]

	labels, xs := reportTicks(t, svg, true)
	if got := strings.Join(labels, " "); got != "0% 90% 99% 99.9% 99.99%" {
		t.Errorf("x ticks %q", got)
	}
	if !reportEvenlySpaced(xs) {
		t.Errorf("x ticks not evenly spaced (nines scale): %v", xs)
	}
	// The markers: 0% on the left edge, 50% at -log10(0.5) ≈ 0.30 nines,
	// 90, 99, 99.9 and 99.99% on their ticks, 100% on the right edge.
	var cx []float64
	for _, c := range svg.all("circle") {
		f, _ := strconv.ParseFloat(c.attr["cx"], 64)
		cx = append(cx, f)
	}
	nine := xs[1] - xs[0]
	wantX := []float64{xs[0], xs[0] + math.Log10(2)*nine, xs[1], xs[2], xs[3], xs[4], xs[4]}
	if len(cx) != len(wantX) {
		t.Fatalf("markers at %v", cx)
	}
	for i := range cx {
		if math.Abs(cx[i]-wantX[i]) > 0.11 {
			t.Errorf("marker %d at x %v, want %v", i, cx[i], wantX[i])
		}
	}
	// 20..7300 µs spans more than 100×: a log axis by decades.
	labels, ys := reportTicks(t, svg, false)
	if got := strings.Join(labels, " "); got != "10 100 1000 10k" {
		t.Errorf("log y ticks %q", got)
	}
	if !reportEvenlySpaced(ys) || ys[1] >= ys[0] {
		t.Errorf("log y ticks not evenly spaced upwards: %v", ys)
	}

	// A narrow range is linear from 0, and more nines widen the x axis.
	res[0].Percentiles = []percentilePoint{{50, 100}, {99, 120}, {99.999, 150}}
	root = checkReport(t, renderReport(t, "t", "m", res), 1)
	svg = root.all("svg")[0]
	if labels, _ := reportTicks(t, svg, true); strings.Join(labels, " ") != "0% 90% 99% 99.9% 99.99% 99.999%" {
		t.Errorf("x ticks %q", labels)
	}
	labels, ys = reportTicks(t, svg, false)
	if got := strings.Join(labels, " "); got != "0 50 100 150" {
		t.Errorf("linear y ticks %q", got)
	}
	if !reportEvenlySpaced(ys) {
		t.Errorf("linear y ticks not evenly spaced: %v", ys)
	}
	for _, tx := range svg.all("text") {
		if tx.attr["class"] == "label" && strings.HasPrefix(tx.textContent(), "latency") && tx.textContent() != "latency (µs)" {
			t.Errorf("y label %q, want linear", tx.textContent())
		}
	}
}

func TestWriteHTMLTimelineAxes(t *testing.T) {
	res := []workloadResult{{Workload: "sink", Timeline: []timePoint{{0.5, 90000}, {1, 120000}, {1.5, 110000}, {2, 0}}}}
	root := checkReport(t, renderReport(t, "t", "m", res), 1)
	svg := root.all("svg")[0]
	labels, xs := reportTicks(t, svg, true)
	if got := strings.Join(labels, " "); got != "0 0.5 1 1.5 2" {
		t.Errorf("x ticks %q", got)
	}
	labels, ys := reportTicks(t, svg, false)
	if got := strings.Join(labels, " "); got != "0 50k 100k 150k" {
		t.Errorf("y ticks %q", got)
	}
	if !reportEvenlySpaced(xs) || !reportEvenlySpaced(ys) {
		t.Errorf("ticks not evenly spaced: %v %v", xs, ys)
	}
	// The last point (t = 2 s, 0 stanzas/s) is on the last x tick and the
	// x axis.
	d := svg.all("path")[0].attr["d"]
	last := d[strings.LastIndex(d, "L")+1:]
	if want := reportCoord(xs[len(xs)-1]) + " " + reportCoord(ys[0]); last != want {
		t.Errorf("last point %q, want %q", last, want)
	}
}

func TestReportNum(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {0.5, "0.5"}, {1.4249, "1.42"}, {0.000012, "1.2e-05"},
		{12.5, "12.5"}, {10, "10"}, {88.25, "88.2"}, {999.94, "999.9"}, {80000, "80000"}, {-1500.4, "-1500"},
		{2e15, "2.000e15"}, {math.NaN(), reportMissing}, {math.Inf(-1), reportMissing},
	} {
		if got := reportNum(c.v); got != c.want {
			t.Errorf("reportNum(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.30000000000000004, "0.3"}, {2500, "2500"}, {12500, "12.5k"}, {1.5e6, "1.5M"},
		{2e7, "20M"}, {3e10, "30G"}, {1e-5, "1e-05"}, {1e14, "1e14"},
	} {
		if got := reportTickLabel(c.v); got != c.want {
			t.Errorf("reportTickLabel(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	for p, want := range map[float64]float64{0: 0, -1: 0, 90: 1, 99: 2, 99.9: 3, 99.99: 4} {
		if got := reportNines(p); math.Abs(got-want) > 1e-9 {
			t.Errorf("reportNines(%v) = %v, want %v", p, got, want)
		}
	}
	if !math.IsInf(reportNines(100), 1) {
		t.Error("reportNines(100) is not +Inf")
	}
	for v, want := range map[float64]string{math.NaN(): "0", math.Inf(1): "0", math.Inf(-1): "0",
		math.Copysign(0, -1): "0", 1e300: "1000000", -1e300: "-1000000", 12.34: "12.3", 7: "7"} {
		if got := reportCoord(v); got != want {
			t.Errorf("reportCoord(%v) = %q, want %q", v, got, want)
		}
	}
}

type reportFailWriter struct{}

func (reportFailWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteHTMLWriteError(t *testing.T) {
	if err := writeHTML(reportFailWriter{}, "t", "m", reportSample()); err == nil || err.Error() != "disk full" {
		t.Errorf("err = %v, want the writer's", err)
	}
}
