// Command instrcount counts the instructions a Go benchmark executes
// per op in xmppcore's own code, function by function, under valgrind's
// callgrind. On the shared VM where bench/RESULTS.md was measured, the
// time of unchanged code drifts by a third between one minute and the
// next; an instruction count does not, so a change of a per cent or two,
// which interleaved timed pairs often left unresolved, shows in one
// count.
//
// It runs the benchmark twice, for n and for 3n ops, with
// GODEBUG=asyncpreemptoff=1 and GOGC=off, and divides the difference of
// each function's count by 2n: start-up, set-up and the runtime's
// background work are the same in both runs and cancel out. A count
// repeats to the instruction for the functions the benchmark's
// goroutines run on their own; where goroutines wake each other (a
// stream's reader and writer), the
// runtime's scheduling and spinning under valgrind's serialised threads
// is not what it is on two CPUs, which is why only xmppcore's functions
// (and the memory and string helpers they call) are summed.
//
// Usage, from the directory of the package under test (`make
// bench-instr` runs it on the stream's and the echo bot's benchmarks):
//
//	instrcount [-n ops] [-top k] TESTBIN BENCHREGEXP
//
// Flags: -n ops (default 100000), -top functions listed (default 20).
// valgrind and callgrind_annotate must be installed (Debian: valgrind).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// module is stripped from function names in the report.
const module = "github.com/xmppcore/xmppcore/"

// ours matches the functions summed: xmppcore's, and the runtime's
// memory and string helpers that its code calls.
var ours = regexp.MustCompile(`^((fastxml|stream|stanza|stanzapool|tls|sasl|metrics)\.|(internal|cmd)/)|^runtime\.mem(move|equal)$|^(memeqbody|indexbytebody|cmpbody)$`)

func main() {
	n := flag.Int("n", 100000, "ops in the shorter run (the longer runs 3n)")
	top := flag.Int("top", 20, "functions listed")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: instrcount [-n ops] [-top k] TESTBIN BENCHREGEXP")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 || *n <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	bin, bench := flag.Arg(0), flag.Arg(1)
	per, err := count(bin, bench, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "instrcount:", err)
		os.Exit(1)
	}
	total := 0.0
	for _, f := range per {
		total += f.instr
	}
	fmt.Printf("%.0f instructions per op in xmppcore's code (%s, %d and %d ops)\n", total, bench, *n, 3**n)
	for _, f := range per[:min(*top, len(per))] {
		fmt.Printf("  %8.1f  %s\n", f.instr, f.name)
	}
}

// count profiles the benchmark for n and 3n ops and returns xmppcore's
// functions' instructions per op (perOp).
func count(bin, bench string, n int) ([]fnCount, error) {
	dir, err := os.MkdirTemp("", "instrcount")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var counts [2]map[string]int64
	for i, ops := range []int{n, 3 * n} {
		if counts[i], err = profile(dir, bin, bench, ops); err != nil {
			return nil, err
		}
	}
	return perOp(counts[0], counts[1], 2*n), nil
}

// profile runs the benchmark for ops ops under callgrind and returns
// each function's instruction count.
func profile(dir, bin, bench string, ops int) (map[string]int64, error) {
	out := filepath.Join(dir, fmt.Sprintf("callgrind.%d", ops))
	cmd := exec.Command("valgrind", "--tool=callgrind", "--callgrind-out-file="+out,
		bin, "-test.run", "^$", "-test.bench", bench,
		"-test.benchtime", strconv.Itoa(ops)+"x", "-test.count", "1")
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1", "GOGC=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", bin, err, tail(msg))
	}
	if _, err := os.Stat(out); err != nil {
		return nil, errors.New("callgrind wrote no profile (is the benchmark's name right?)")
	}
	ann := exec.Command("callgrind_annotate", "--auto=no", "--threshold=100", out)
	stdout, err := ann.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := ann.Start(); err != nil {
		return nil, err
	}
	counts, perr := parseAnnotate(stdout)
	if err := ann.Wait(); err != nil {
		return nil, fmt.Errorf("callgrind_annotate: %v", err)
	}
	return counts, perr
}

// tail returns the last lines of a command's output, for an error.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], "\n")
}

// annotateLine is a function's line in callgrind_annotate's report:
// its count (with thousands separators), an optional percentage, and
// "file:function [binary]".
var annotateLine = regexp.MustCompile(`^\s*([\d,]+)\s+(?:\([\s\d.]+%\)\s+)?(\S.*)$`)

// parseAnnotate reads callgrind_annotate's report and returns the
// count of each function in it, by the function's name without its
// file, binary, recursion level and xmppcore's module path. A function
// reported in several files (inlined code is attributed to the inlined
// function's file) or at several recursion levels is summed.
func parseAnnotate(r io.Reader) (map[string]int64, error) {
	counts := make(map[string]int64)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		m := annotateLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		loc, _, _ := strings.Cut(m[2], " [")
		file, fn, ok := strings.Cut(loc, ":")
		if !ok || strings.Contains(file, " ") {
			continue // a total or a header, not file:function
		}
		c, err := strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64)
		if err != nil {
			return nil, err
		}
		// callgrind names a function's recursion levels f, f'2, ...;
		// how it splits one's calls between them can differ from run to
		// run (Go's stack switches look like recursion to it), so they
		// are summed.
		if i := strings.LastIndexByte(fn, '\''); i > 0 {
			fn = fn[:i]
		}
		counts[strings.TrimPrefix(fn, module)] += c
	}
	return counts, sc.Err()
}

// fnCount is one function's instructions per op.
type fnCount struct {
	name  string
	instr float64
}

// perOp returns, for each of xmppcore's functions (ours), the
// difference of its counts in the long and the short run divided by
// ops, the most first. Functions below half an instruction per op are
// left out.
func perOp(short, long map[string]int64, ops int) []fnCount {
	var fs []fnCount
	for name, c := range long {
		if !ours.MatchString(name) {
			continue
		}
		if v := float64(c-short[name]) / float64(ops); v >= 0.5 {
			fs = append(fs, fnCount{name, v})
		}
	}
	slices.SortFunc(fs, func(a, b fnCount) int {
		switch {
		case a.instr > b.instr:
			return -1
		case a.instr < b.instr:
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	return fs
}
