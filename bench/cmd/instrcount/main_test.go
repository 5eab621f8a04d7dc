package main

import (
	"strings"
	"testing"
)

// An excerpt of callgrind_annotate 3.19's report, with percentages, and
// lines as earlier versions print them (without).
const report = `--------------------------------------------------------------------------------
Ir                    file:function
--------------------------------------------------------------------------------
4,139,537,686 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                    file:function
--------------------------------------------------------------------------------
457,569,381 (11.05%)  /usr/local/go/src/runtime/lock_spinbit.go:runtime.unlock2 [/tmp/st.test]
238,309,707 ( 5.76%)  fastxml/fastpath.go:github.com/xmppcore/xmppcore/fastxml.(*Scanner).tagFast [/tmp/st.test]
 48,400,242 ( 1.17%)  /work/main/fastxml/element.go:github.com/xmppcore/xmppcore/internal/echobot.AppendReply
 44,800,602 ( 1.08%)  /work/main/internal/echobot/echobot.go:github.com/xmppcore/xmppcore/internal/echobot.AppendReply [/tmp/st.test]
 22,001,003 ( 0.53%)  /usr/local/go/src/internal/bytealg/equal_amd64.s:memeqbody [/tmp/st.test]
  2,400,000  /work/main/stream/match.go:github.com/xmppcore/xmppcore/stream.(*MatchPath).matchFrom'2 [/tmp/st.test]
  1,200,000  /work/main/stream/match.go:github.com/xmppcore/xmppcore/stream.(*MatchPath).matchFrom [/tmp/st.test]
     77,777 ( 0.00%)  ???:x_cgo_sigaction [/tmp/st.test]
`

func TestParseAnnotate(t *testing.T) {
	got, err := parseAnnotate(strings.NewReader(report))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"runtime.unlock2":               457569381,
		"fastxml.(*Scanner).tagFast":    238309707,
		"internal/echobot.AppendReply":  48400242 + 44800602, // inlined code and its own, summed
		"memeqbody":                     22001003,
		"stream.(*MatchPath).matchFrom": 2400000 + 1200000, // recursion levels summed
		"x_cgo_sigaction":               77777,
	}
	if len(got) != len(want) {
		t.Errorf("got %d functions, want %d: %v", len(got), len(want), got)
	}
	for name, c := range want {
		if got[name] != c {
			t.Errorf("%s: got %d, want %d", name, got[name], c)
		}
	}
}

func TestPerOp(t *testing.T) {
	short := map[string]int64{
		"fastxml.(*Scanner).tagFast":   1000 + 100*10,
		"internal/echobot.AppendReply": 500 + 100*3,
		"runtime.memmove":              50 + 100*2,
		"runtime.unlock2":              5,  // not ours
		"stream.(*Stream).once":        70, // set-up only: the same in both runs
	}
	long := map[string]int64{
		"fastxml.(*Scanner).tagFast":   1000 + 300*10,
		"internal/echobot.AppendReply": 500 + 300*3,
		"runtime.memmove":              50 + 300*2,
		"runtime.unlock2":              9000,
		"stream.(*Stream).once":        70,
		"stream.(*Reader).Next":        300 * 1, // not in the short run's report
	}
	got := perOp(short, long, 200)
	want := []fnCount{
		{"fastxml.(*Scanner).tagFast", 10},
		{"internal/echobot.AppendReply", 3},
		{"runtime.memmove", 2},
		{"stream.(*Reader).Next", 1.5},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestOurs(t *testing.T) {
	for name, want := range map[string]bool{
		"fastxml.(*Scanner).tagFast":      true,
		"stream.(*sendQueue).offer":       true,
		"stanzapool.(*Pool).Get":          true,
		"internal/echobot.AppendReply":    true,
		"cmd/xmppbench.runEcho":           true,
		"runtime.memmove":                 true,
		"memeqbody":                       true,
		"stream_test.BenchmarkStreamEcho": false, // the benchmark's own harness
		"runtime.memmoveX":                false,
		"runtime.findRunnable":            false,
		"streamer.Foo":                    false,
	} {
		if got := ours.MatchString(name); got != want {
			t.Errorf("ours(%q) = %v, want %v", name, got, want)
		}
	}
}
