package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sample is real output of
//
//	go test -run XXX -bench 'Component(Echo|Sink)' -benchtime 20000x -count 2 .
//
// in bench, on the 2-core VM.
const sample = `
goos: linux
goarch: amd64
pkg: github.com/xmppcore/xmppcore/bench
cpu: Oxide Virtual Turin-like Processor             
BenchmarkComponentEcho/xmppcore-2         	   20000	     11636 ns/op	  15.73 MB/s	       673.4 cpu-ns/op	         0.003600 reads/op	    981447 stanzas/s	         0 sys-ns/op	         0.002050 writes/op	     118 B/op	       0 allocs/op
BenchmarkComponentEcho/xmppcore-2         	   20000	     12391 ns/op	  14.77 MB/s	       904.1 cpu-ns/op	         0.003800 reads/op	    820196 stanzas/s	       153.8 sys-ns/op	         0.002350 writes/op	     118 B/op	       0 allocs/op
BenchmarkComponentEcho/xmppcore-inline-2  	   20000	     12417 ns/op	  14.74 MB/s	       614.6 cpu-ns/op	         0.004700 reads/op	   1201305 stanzas/s	       325.5 sys-ns/op	         0.004700 writes/op	      33 B/op	       0 allocs/op
BenchmarkComponentEcho/xmppcore-inline-2  	   20000	     15154 ns/op	  12.08 MB/s	       607.9 cpu-ns/op	         0.003400 reads/op	   1008975 stanzas/s	       317.3 sys-ns/op	         0.003400 writes/op	      33 B/op	       0 allocs/op
BenchmarkComponentEcho/gosrc-2            	   20000	     35853 ns/op	   5.10 MB/s	     18759 cpu-ns/op	     40208 stanzas/s	      6334 sys-ns/op	    6970 B/op	      43 allocs/op
BenchmarkComponentEcho/gosrc-2            	   20000	     30514 ns/op	   6.00 MB/s	     16631 cpu-ns/op	     52743 stanzas/s	      5676 sys-ns/op	    6970 B/op	      43 allocs/op
BenchmarkComponentEcho/mellium-2          	   20000	     46514 ns/op	   3.93 MB/s	     27707 cpu-ns/op	     28164 stanzas/s	      5280 sys-ns/op	    9353 B/op	     108 allocs/op
BenchmarkComponentEcho/mellium-2          	   20000	     47184 ns/op	   3.88 MB/s	     28453 cpu-ns/op	     28620 stanzas/s	      5830 sys-ns/op	    9353 B/op	     108 allocs/op
BenchmarkComponentEcho/rawpipe-2          	   20000	     16290 ns/op	  11.23 MB/s	       299.8 cpu-ns/op	   1693813 stanzas/s	       223.0 sys-ns/op	       4 B/op	       0 allocs/op
BenchmarkComponentEcho/rawpipe-2          	   20000	     20924 ns/op	   8.75 MB/s	       320.9 cpu-ns/op	   1301847 stanzas/s	       320.9 sys-ns/op	       4 B/op	       0 allocs/op
BenchmarkComponentSink/xmppcore-2         	   20000	     10791 ns/op	  16.96 MB/s	       644.8 cpu-ns/op	         0.003500 reads/op	   1625916 stanzas/s	       230.9 sys-ns/op	         0.0001500 writes/op	      46 B/op	       0 allocs/op
BenchmarkComponentSink/xmppcore-2         	   20000	     14021 ns/op	  13.05 MB/s	       534.0 cpu-ns/op	         0.003600 reads/op	   1996095 stanzas/s	         0 sys-ns/op	         0.0001500 writes/op	      49 B/op	       0 allocs/op
BenchmarkComponentSink/xmppcore-inline-2  	   20000	     17574 ns/op	  10.41 MB/s	       381.3 cpu-ns/op	         0.003550 reads/op	   2890417 stanzas/s	       247.9 sys-ns/op	         0.0002000 writes/op	       4 B/op	       0 allocs/op
BenchmarkComponentSink/xmppcore-inline-2  	   20000	     10345 ns/op	  17.69 MB/s	       551.5 cpu-ns/op	         0.008750 reads/op	   1953527 stanzas/s	       184.8 sys-ns/op	         0.0001500 writes/op	       4 B/op	       0 allocs/op
BenchmarkComponentSink/gosrc-2            	   20000	     18781 ns/op	   9.74 MB/s	      5961 cpu-ns/op	    139209 stanzas/s	       766.0 sys-ns/op	    1658 B/op	      30 allocs/op
BenchmarkComponentSink/gosrc-2            	   20000	     19036 ns/op	   9.61 MB/s	      5002 cpu-ns/op	    214475 stanzas/s	       878.0 sys-ns/op	    1658 B/op	      30 allocs/op
BenchmarkComponentSink/mellium-2          	   20000	     18302 ns/op	  10.00 MB/s	      7955 cpu-ns/op	    118700 stanzas/s	        54.65 sys-ns/op	    2713 B/op	      60 allocs/op
BenchmarkComponentSink/mellium-2          	   20000	     24113 ns/op	   7.59 MB/s	      7867 cpu-ns/op	    117387 stanzas/s	       558.7 sys-ns/op	    2713 B/op	      60 allocs/op
PASS
ok  	github.com/xmppcore/xmppcore/bench	12.994s
`

func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func TestSampleMedians(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(res.order["ComponentEcho"], " "), "xmppcore xmppcore-inline gosrc mellium rawpipe"; got != want {
		t.Errorf("echo components %q, want %q", got, want)
	}
	if got, want := strings.Join(res.order["ComponentSink"], " "), "xmppcore xmppcore-inline gosrc mellium"; got != want {
		t.Errorf("sink components %q, want %q", got, want)
	}
	for _, c := range []struct {
		bench, comp, unit string
		want              float64
	}{
		{"ComponentEcho", "xmppcore-inline", unitRate, (1201305 + 1008975) / 2.0},
		{"ComponentEcho", "xmppcore-inline", unitCPU, (614.6 + 607.9) / 2},
		{"ComponentEcho", "xmppcore-inline", unitAllocs, 0},
		{"ComponentEcho", "gosrc", unitRate, (40208 + 52743) / 2.0},
		{"ComponentEcho", "gosrc", unitAllocs, 43},
		{"ComponentEcho", "mellium", unitCPU, (27707 + 28453) / 2.0},
		{"ComponentEcho", "rawpipe", unitRate, (1693813 + 1301847) / 2.0},
		{"ComponentEcho", "xmppcore", "reads/op", (0.0036 + 0.0038) / 2},
		{"ComponentSink", "xmppcore-inline", unitRate, (2890417 + 1953527) / 2.0},
		{"ComponentSink", "mellium", unitRate, (118700 + 117387) / 2.0},
		{"ComponentSink", "gosrc", "B/op", 1658},
	} {
		if got := res.med(c.bench, c.comp, c.unit); !near(got, c.want) {
			t.Errorf("%s/%s %s: median %v, want %v", c.bench, c.comp, c.unit, got, c.want)
		}
	}
	if got := res.med("ComponentEcho", "gosrc", "reads/op"); !math.IsNaN(got) {
		t.Errorf("gosrc reads/op: %v, want NaN (not reported)", got)
	}
	if got := res.med("ComponentSink", "rawpipe", unitRate); !math.IsNaN(got) {
		t.Errorf("sink rawpipe: %v, want NaN (no such run)", got)
	}
	if got, want := strings.Join(res.header, "|"), "goos: linux|goarch: amd64|cpu: Oxide Virtual Turin-like Processor"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
}

func TestSampleRatios(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]row{}
	for _, r := range res.summarize("ComponentEcho") {
		rows[r.comp] = r
	}
	inline := (1201305 + 1008975) / 2.0
	raw := (1693813 + 1301847) / 2.0
	gosrc := (40208 + 52743) / 2.0
	mellium := (28164 + 28620) / 2.0
	for _, c := range []struct {
		comp         string
		ratio, share float64
		fr, fs       string
	}{
		{"xmppcore-inline", 1, inline / raw, "1.0x", "74%"},
		{"gosrc", inline / gosrc, gosrc / raw, "23.8x", "3.1%"},
		{"mellium", inline / mellium, mellium / raw, "38.9x", "1.9%"},
		{"rawpipe", inline / raw, 1, "0.7x", "100%"},
	} {
		r, ok := rows[c.comp]
		if !ok {
			t.Errorf("no echo row for %s", c.comp)
			continue
		}
		if r.runs != 2 {
			t.Errorf("%s: %d runs, want 2", c.comp, r.runs)
		}
		if !near(r.ratio, c.ratio) || !near(r.share, c.share) {
			t.Errorf("%s: ratio %v share %v, want %v %v", c.comp, r.ratio, r.share, c.ratio, c.share)
		}
		if fr, fs := fmtRatio(r.ratio), fmtShare(r.share); fr != c.fr || fs != c.fs {
			t.Errorf("%s: %s %s, want %s %s", c.comp, fr, fs, c.fr, c.fs)
		}
	}
	for _, r := range res.summarize("ComponentSink") {
		if !math.IsNaN(r.share) {
			t.Errorf("sink %s: share %v of a raw pipe that did not run", r.comp, r.share)
		}
		if r.comp == "gosrc" && fmtRatio(r.ratio) != "13.7x" {
			t.Errorf("sink gosrc ratio %s, want 13.7x", fmtRatio(r.ratio))
		}
	}
}

// rowFields returns the fields of the table row for comp under the
// section header of bench in out.
func rowFields(t *testing.T, out, bench, comp string) []string {
	t.Helper()
	_, sec, ok := strings.Cut(out, "\n"+bench+" ")
	if !ok {
		t.Fatalf("no %s section in\n%s", bench, out)
	}
	sec, _, _ = strings.Cut(sec, "\n\n")
	for _, l := range strings.Split(sec, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == comp {
			return f
		}
	}
	t.Fatalf("no %s row in %s section:\n%s", comp, bench, sec)
	return nil
}

func TestRunSampleFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(path, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run([]string{path}, nil, &out); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ bench, comp, want string }{
		{"ComponentEcho", "xmppcore-inline", "xmppcore-inline 2 1,105,140 611 0 1.0x 74%"},
		{"ComponentEcho", "gosrc", "gosrc 2 46,476 17,695 43 23.8x 3.1%"},
		{"ComponentEcho", "rawpipe", "rawpipe 2 1,497,830 310 0 0.7x 100%"},
		{"ComponentSink", "mellium", "mellium 2 118,044 7,911 60 20.5x -"},
	} {
		if got := strings.Join(rowFields(t, out.String(), c.bench, c.comp), " "); got != c.want {
			t.Errorf("%s row %q, want %q", c.bench, got, c.want)
		}
	}
	if strings.Contains(out.String(), "warning") {
		t.Errorf("warning for a clean run:\n%s", out.String())
	}
}

// Missing components, runs and metrics print "-"; a missing benchmark
// prints "no results"; failures are flagged.
func TestMissing(t *testing.T) {
	in := `BenchmarkComponentEcho/gosrc	20000	35853 ns/op	18759 cpu-ns/op	40208 stanzas/s
BenchmarkComponentEcho/gosrc	20000	30514 ns/op	16631 cpu-ns/op	52743 stanzas/s
BenchmarkComponentEcho/gosrc	20000	30000 ns/op	17000 cpu-ns/op	50000 stanzas/s
BenchmarkComponentEcho/mellium	20000	46514 ns/op	9353 B/op	108 allocs/op
--- FAIL: BenchmarkComponentEcho/xmppcore-inline
    echo_test.go:140: benchmark peer: no output
FAIL
`
	var out strings.Builder
	if err := run(nil, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if got, want := strings.Join(rowFields(t, s, "ComponentEcho", "gosrc"), " "), "gosrc 3 50,000 17,000 - - -"; got != want {
		t.Errorf("gosrc row %q, want %q", got, want)
	}
	if got, want := strings.Join(rowFields(t, s, "ComponentEcho", "mellium"), " "), "mellium 0 - - 108 - -"; got != want {
		t.Errorf("mellium row %q, want %q", got, want)
	}
	if _, sink, _ := strings.Cut(s, "\nComponentSink "); !strings.Contains(sink, "no results") {
		t.Errorf("no \"no results\" for the missing sink benchmark:\n%s", s)
	}
	if !strings.Contains(s, "warning") {
		t.Errorf("no warning for a failed run:\n%s", s)
	}
}

func TestNoResults(t *testing.T) {
	in := "goos: linux\nBenchmarkScan/fastxml-2\t100\t12 ns/op\nPASS\n"
	if err := run(nil, strings.NewReader(in), &strings.Builder{}); err == nil {
		t.Error("no error for input without component results")
	}
	if err := run([]string{filepath.Join(t.TempDir(), "missing.txt")}, nil, &strings.Builder{}); err == nil {
		t.Error("no error for a missing file")
	}
}

func TestParseLine(t *testing.T) {
	for _, c := range []struct {
		line, bench, comp string
		ok                bool
	}{
		{"BenchmarkComponentEcho/xmppcore-inline-2  20000  12417 ns/op  1201305 stanzas/s", "ComponentEcho", "xmppcore-inline", true},
		{"BenchmarkComponentEcho/xmppcore-inline  20000  12417 ns/op", "ComponentEcho", "xmppcore-inline", true},
		{"BenchmarkComponentSink/gosrc-16\t20000\t1 ns/op", "ComponentSink", "gosrc", true},
		{"BenchmarkComponentEcho-2  1  12417 ns/op", "", "", false},       // no sub-benchmark
		{"BenchmarkComponentEcho/gosrc-2  20000  12417", "", "", false},   // value without unit
		{"BenchmarkComponentEcho/gosrc-2  20000  x ns/op", "", "", false}, // not a number
		{"BenchmarkComponentEcho/gosrc-2  --- FAIL", "", "", false},       // no iterations
		{"    echo_test.go:140: benchmark peer: no output", "", "", false},
	} {
		bench, comp, _, ok := parseLine(c.line)
		if bench != c.bench || comp != c.comp || ok != c.ok {
			t.Errorf("parseLine(%q) = %q, %q, %v; want %q, %q, %v", c.line, bench, comp, ok, c.bench, c.comp, c.ok)
		}
	}
}

func TestMedian(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("odd median %v, want 2", got)
	}
	xs := []float64{4, 1, 3, 2}
	if got := median(xs); got != 2.5 {
		t.Errorf("even median %v, want 2.5", got)
	}
	if xs[0] != 4 {
		t.Error("median reordered its argument")
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("empty median %v, want NaN", got)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{fmtNum(1105140), "1,105,140"}, {fmtNum(611.25), "611"}, {fmtNum(0), "0"},
		{fmtNum(43), "43"}, {fmtNum(2.5), "2.5"}, {fmtNum(math.NaN()), "-"},
		{fmtRatio(33.14), "33.1x"}, {fmtRatio(123.4), "123x"}, {fmtRatio(math.NaN()), "-"},
		{fmtShare(0.031), "3.1%"}, {fmtShare(0.736), "74%"}, {fmtShare(math.Inf(1)), "-"},
		{commas(-1234567), "-1,234,567"}, {commas(999), "999"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// BenchmarkPace's rounds come after the sections as medians and
// ranges; without them there is no pace table.
func TestPace(t *testing.T) {
	pace := `BenchmarkPace/one-2         	 4000000	       142.4 ns/op	1285.16 MB/s	       142.4 ns/stanza	       0 B/op	       0 allocs/op
BenchmarkPace/all-2         	 4000000	        78.07 ns/op	2344.10 MB/s	       156.1 ns/stanza	       0 B/op	       0 allocs/op
BenchmarkPace/one-2         	 4000000	       162.3 ns/op	1127.73 MB/s	       162.3 ns/stanza	       0 B/op	       0 allocs/op
BenchmarkPace/all-2         	 4000000	       182.6 ns/op	1002.26 MB/s	       365.2 ns/stanza	       0 B/op	       0 allocs/op
BenchmarkPace/one-2         	 4000000	       232.7 ns/op	 786.38 MB/s	       232.7 ns/stanza	       0 B/op	       0 allocs/op
`
	var out strings.Builder
	if err := run(nil, strings.NewReader(sample+pace), &out); err != nil {
		t.Fatal(err)
	}
	_, tail, ok := strings.Cut(out.String(), "\nPace (")
	if !ok {
		t.Fatalf("no pace table in:\n%s", out.String())
	}
	for _, want := range [][]string{
		{"one", "3", "162", "142-233"},
		{"all", "(per", "CPU)", "2", "261", "156-365"},
	} {
		found := false
		for _, l := range strings.Split(tail, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == want[0] {
				found = true
				if got := strings.Join(f, " "); got != strings.Join(want, " ") {
					t.Errorf("pace row %q, want %q", got, strings.Join(want, " "))
				}
			}
		}
		if !found {
			t.Errorf("no pace row %q in:\n%s", want[0], tail)
		}
	}
	out.Reset()
	if err := run(nil, strings.NewReader(sample), &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "Pace") {
		t.Errorf("a pace table without BenchmarkPace results:\n%s", out.String())
	}
}
