// Command peerratio summarises the XEP-0114 component benchmarks
// (BenchmarkComponentEcho and BenchmarkComponentSink in bench/echo_test.go)
// from `go test -bench` output: for each benchmark and component, the
// median over the -count runs of stanzas/s, of the component's CPU time
// per stanza (cpu-ns/op: one op is one stanza) and of allocs/op, then
// how many times xmppcore-inline's stanzas/s the row's is, and the row's
// stanzas/s as a share of the raw pipe's. BenchmarkPace's ns per
// stanza, if the input has it, follows: the VM's pace at the time.
//
// Usage:
//
//	peerratio [file]
//
// With no file, or "-", it reads standard input. `make bench-peers` runs
// the benchmarks and then this command.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

const (
	inlineName = "xmppcore-inline" // the reference of the ratio column
	rawName    = "rawpipe"         // the ceiling of the share column

	unitRate   = "stanzas/s"
	unitCPU    = "cpu-ns/op"
	unitAllocs = "allocs/op"
	unitPace   = "ns/stanza"

	// BenchmarkPace (bench/pace_test.go), when the input has it, is
	// summarised after the sections: the VM's pace the rounds were
	// measured at.
	paceBench = "Pace"
)

// paces are BenchmarkPace's sub-benchmarks, in print order.
var paces = []struct{ comp, title string }{
	{"one", "one"},
	{"all", "all (per CPU)"},
}

// sections are the benchmarks summarised, in print order.
var sections = []struct{ bench, title string }{
	{"ComponentEcho", "echo: every message answered"},
	{"ComponentSink", "sink: messages only received, one final reply"},
}

func main() {
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: peerratio [file]\n\nSummarises `go test -bench 'Component(Echo|Sink)'` output (from file, or stdin)\nas medians per component, with ratios to xmppcore-inline and the raw pipe.")
	}
	flag.Parse()
	if err := run(flag.Args(), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "peerratio:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	in := stdin
	switch {
	case len(args) > 1:
		return errors.New("at most one input file")
	case len(args) == 1 && args[0] != "-":
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	res, err := parse(in)
	if err != nil {
		return err
	}
	found := false
	for _, s := range sections {
		found = found || len(res.order[s.bench]) > 0
	}
	if !found {
		return errors.New("no BenchmarkComponentEcho or BenchmarkComponentSink results in the input")
	}
	return render(stdout, res)
}

// results are the benchmark lines of one `go test -bench` output.
type results struct {
	header []string                     // the goos:, goarch:, cpu: lines
	order  map[string][]string          // benchmark -> components, in order of first appearance
	vals   map[key]map[string][]float64 // -> unit -> one value per run
	failed bool                         // the input reports a failure
}

type key struct{ bench, comp string }

func parse(r io.Reader) (*results, error) {
	res := &results{order: map[string][]string{}, vals: map[key]map[string][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "goos:"), strings.HasPrefix(line, "goarch:"), strings.HasPrefix(line, "cpu:"):
			if !slices.Contains(res.header, strings.TrimSpace(line)) {
				res.header = append(res.header, strings.TrimSpace(line))
			}
			continue
		case strings.HasPrefix(strings.TrimSpace(line), "--- FAIL"), strings.HasPrefix(line, "FAIL"):
			res.failed = true
			continue
		}
		bench, comp, metrics, ok := parseLine(line)
		if !ok {
			continue
		}
		k := key{bench, comp}
		m := res.vals[k]
		if m == nil {
			m = map[string][]float64{}
			res.vals[k] = m
			res.order[bench] = append(res.order[bench], comp)
		}
		for unit, v := range metrics {
			m[unit] = append(m[unit], v)
		}
	}
	return res, sc.Err()
}

// parseLine parses a result line such as
//
//	BenchmarkComponentEcho/xmppcore-inline-2  20000  12417 ns/op  1201305 stanzas/s ...
//
// into "ComponentEcho", "xmppcore-inline" and its metrics, the
// GOMAXPROCS suffix ("-2") dropped. Lines of top-level benchmarks (no
// sub-benchmark) and anything not a well-formed result line are
// rejected.
func parseLine(line string) (bench, comp string, metrics map[string]float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", "", nil, false
	}
	if _, err := strconv.ParseUint(f[1], 10, 64); err != nil {
		return "", "", nil, false
	}
	name := strings.TrimPrefix(f[0], "Benchmark")
	if i := strings.LastIndexByte(name, '-'); i >= 0 && isDigits(name[i+1:]) {
		name = name[:i]
	}
	bench, comp, found := strings.Cut(name, "/")
	if !found || bench == "" || comp == "" {
		return "", "", nil, false
	}
	metrics = map[string]float64{}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", "", nil, false
		}
		metrics[f[i+1]] = v
	}
	return bench, comp, metrics, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// median returns the median of xs, NaN if there are none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// med is the median of one metric of one component, NaN if missing.
func (r *results) med(bench, comp, unit string) float64 {
	return median(r.vals[key{bench, comp}][unit])
}

// row is one component's line of a section. Missing values are NaN.
type row struct {
	comp   string
	runs   int     // runs that reported stanzas/s
	rate   float64 // median stanzas/s
	cpu    float64 // median cpu-ns/op, CPU ns per stanza
	allocs float64 // median allocs/op, allocations per stanza
	ratio  float64 // xmppcore-inline's rate / rate
	share  float64 // rate / the raw pipe's rate
}

func (r *results) summarize(bench string) []row {
	inline := r.med(bench, inlineName, unitRate)
	raw := r.med(bench, rawName, unitRate)
	var rows []row
	for _, c := range r.order[bench] {
		rate := r.med(bench, c, unitRate)
		rows = append(rows, row{
			comp:   c,
			runs:   len(r.vals[key{bench, c}][unitRate]),
			rate:   rate,
			cpu:    r.med(bench, c, unitCPU),
			allocs: r.med(bench, c, unitAllocs),
			ratio:  div(inline, rate),
			share:  div(rate, raw),
		})
	}
	return rows
}

// div is a/b, NaN unless both are known and b is positive.
func div(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || b <= 0 {
		return math.NaN()
	}
	return a / b
}

func render(w io.Writer, r *results) error {
	bw := bufio.NewWriter(w)
	for _, h := range r.header {
		fmt.Fprintln(bw, h)
	}
	if r.failed {
		fmt.Fprintln(bw, "warning: the input reports a FAIL; failed runs are missing below")
	}
	for _, s := range sections {
		fmt.Fprintf(bw, "\n%s (%s)\n", s.bench, s.title)
		rows := r.summarize(s.bench)
		if len(rows) == 0 {
			fmt.Fprintln(bw, "  no results")
			continue
		}
		t := [][]string{{"component", "runs", "stanzas/s", "cpu-ns/stanza", "allocs/stanza", "inline/x", "of rawpipe"}}
		for _, x := range rows {
			t = append(t, []string{x.comp, strconv.Itoa(x.runs), fmtNum(x.rate), fmtNum(x.cpu), fmtNum(x.allocs), fmtRatio(x.ratio), fmtShare(x.share)})
		}
		writeTable(bw, t)
	}
	var pace [][]string
	for _, p := range paces {
		if v := r.vals[key{paceBench, p.comp}][unitPace]; len(v) > 0 {
			pace = append(pace, []string{p.title, strconv.Itoa(len(v)), fmtNum(median(v)), fmtNum(slices.Min(v)) + "-" + fmtNum(slices.Max(v))})
		}
	}
	if len(pace) > 0 {
		fmt.Fprintf(bw, "\n%s (xmppcore's parsing from memory: the VM's pace at the time)\n", paceBench)
		writeTable(bw, append([][]string{{"CPUs busy", "runs", "ns/stanza", "range"}}, pace...))
	}
	fmt.Fprintf(bw, "\nMedians over the runs. inline/x: %s's stanzas/s over the row's; of rawpipe: the row's stanzas/s\nas a share of %s's in the same benchmark. -: not reported (the sink benchmark has no %s).\n", inlineName, rawName, rawName)
	return bw.Flush()
}

// writeTable writes t with the first column left-aligned, the others
// right-aligned, two spaces apart.
func writeTable(w io.Writer, t [][]string) {
	width := make([]int, len(t[0]))
	for _, r := range t {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	for _, r := range t {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range r {
			if i == 0 {
				fmt.Fprintf(&b, "%-*s", width[i], c)
			} else {
				fmt.Fprintf(&b, "  %*s", width[i], c)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// fmtNum formats a metric: with thousands separators from 100 up, one
// decimal below 100 unless whole, "-" if missing.
func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case math.Abs(v) >= 100 || v == math.Trunc(v):
		return commas(int64(math.Round(v)))
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fmtRatio formats a ratio as "33.1x" ("-" if missing).
func fmtRatio(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64) + "x"
	default:
		return strconv.FormatFloat(v, 'f', 1, 64) + "x"
	}
}

// fmtShare formats a share as a percentage ("-" if missing).
func fmtShare(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case v*100 < 10:
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	default:
		return strconv.FormatFloat(v*100, 'f', 0, 64) + "%"
	}
}
