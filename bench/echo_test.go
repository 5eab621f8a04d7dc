package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/benchpeer"
	"github.com/xmppcore/xmppcore/internal/echobot"
	"github.com/xmppcore/xmppcore/stream"
)

// The XEP-0114 echo benchmark. A loopback "server" (internal/benchpeer)
// runs in a child process: it accepts one component connection, checks
// its handshake, then blasts ~200-byte chat messages at it, at most
// 1000 of them unanswered, and counts the replies. In sink mode the
// component answers only a final marker. One benchmark op is one
// stanza: ns/op is the time per stanza, allocs/op the allocations per
// stanza of the component, cpu-ns/op the component's CPU time per
// stanza (this process's user + system time; the server's is its own)
// and sys-ns/op the system part of it; peer-cpu-ns/op is the server's
// CPU time per stanza.

const (
	benchDomain = "echo.bench.example"
	benchSecret = "s3cret"
)

// peerEnv makes the test binary run as the benchmark peer.
const peerEnv = "XMPPCORE_BENCHPEER"

// peerTimeout bounds one run: the peer is killed after it.
const peerTimeout = 2 * time.Minute

func TestMain(m *testing.M) {
	if spec := os.Getenv(peerEnv); spec != "" {
		os.Exit(runPeer(spec))
	}
	os.Exit(m.Run())
}

// runPeer is the child process: it listens on loopback, prints its
// address, serves one run and prints "elapsed-ns replies".
func runPeer(spec string) int {
	var n int
	var sink bool
	if _, err := fmt.Sscanf(spec, "%d %t", &n, &sink); err != nil {
		fmt.Println("error", err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println(ln.Addr())
	res, err := benchpeer.Serve(ln, benchpeer.Config{Domain: benchDomain, Secret: benchSecret, Stanzas: n, Sink: sink})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println(res.Elapsed.Nanoseconds(), res.Replies)
	return 0
}

// component is the system under test: it connects to addr as an
// XEP-0114 component and echoes messages (in sink mode, only the
// marker), until the connection ends.
type component func(addr string, sink bool) (stop func(), err error)

// lastStats is the xmppcore component's counters, for syscall metrics.
var lastStats *stream.Stats

func runEcho(b *testing.B, c component, sink bool) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchpeer.Chat)))
	b.ResetTimer()
	r := run(b, c, b.N, sink)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/r.elapsed.Seconds(), "stanzas/s")
	b.ReportMetric(float64(r.user+r.sys)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(r.sys)/float64(b.N), "sys-ns/op")
	if r.peerCPU > 0 {
		b.ReportMetric(float64(r.peerCPU)/float64(b.N), "peer-cpu-ns/op")
	}
	if st := r.stats; st != nil {
		b.ReportMetric(float64(st.Reads.Load())/float64(b.N), "reads/op")
		b.ReportMetric(float64(st.Writes.Load())/float64(b.N), "writes/op")
	}
}

// runResult is what one run measured.
type runResult struct {
	elapsed, user, sys time.Duration
	replies            int
	peerCPU            time.Duration // the peer process's user + system time, start-up included
	stats              *stream.Stats // xmppcore's counters, or nil
}

// run starts the peer in a child process for n stanzas, connects the
// component to it and waits for the peer's result.
func run(tb testing.TB, c component, n int, sink bool) runResult {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// The peer runs on one CPU, as xmppbench's does: on a 2-CPU machine
	// that leaves the component one of its own.
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %t", peerEnv, n, sink), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			cmd.Wait()
		}
	}()
	// A component that stops answering must fail the run, not hang it.
	watchdog := time.AfterFunc(peerTimeout, func() { cmd.Process.Kill() })
	defer watchdog.Stop()
	lines := bufio.NewScanner(out)
	line := func() string {
		if !lines.Scan() {
			tb.Fatalf("benchmark peer: no output (%v); after %v, the component has stopped answering", lines.Err(), peerTimeout)
		}
		if l := lines.Text(); !strings.HasPrefix(l, "error") {
			return l
		}
		tb.Fatalf("benchmark peer: %s", lines.Text())
		return ""
	}
	addr := line()
	lastStats = nil
	user0, sys0 := cpuTime()
	stop, err := c(addr, sink)
	if err != nil {
		tb.Fatal(err)
	}
	defer stop()
	var r runResult
	if _, err := fmt.Sscanf(line(), "%d %d", &r.elapsed, &r.replies); err != nil {
		tb.Fatal(err)
	}
	user1, sys1 := cpuTime()
	r.user, r.sys, r.stats = user1-user0, sys1-sys0, lastStats
	// The peer exits once it has printed its result.
	waited = true
	if cmd.Wait() == nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.peerCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return r
}

// cpuTime returns this process's user and system CPU time.
func cpuTime() (user, sys time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// xmppcoreComponent is the echo bot of `xmppbench bot`, with handlers
// on the dispatcher goroutine (the default).
func xmppcoreComponent(addr string, sink bool) (func(), error) {
	return xmppcoreBot(addr, sink, false)
}

// xmppcoreInline is the same bot with Config.Inline: handlers on the
// reader goroutine.
func xmppcoreInline(addr string, sink bool) (func(), error) {
	return xmppcoreBot(addr, sink, true)
}

func xmppcoreBot(addr string, sink, inline bool) (func(), error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := stream.New(conn, stream.Config{Namespace: stream.NSComponent, To: benchDomain, ComponentSecret: benchSecret, Inline: inline})
	lastStats = s.Stats()
	onlyID := ""
	if sink {
		onlyID = benchpeer.EndID
	}
	s.RegisterHandler(echobot.Handler(context.Background(), onlyID, nil))
	ctx := context.Background()
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	return func() { s.Abort(); <-done }, nil
}

// rawPipe echoes every byte after the handshake: the ceiling of any
// component on this machine and this harness.
func rawPipe(addr string, sink bool) (func(), error) {
	if sink {
		return nil, fmt.Errorf("no sink mode for the raw pipe")
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.Write([]byte(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='` + benchDomain + `'>`))
		// Read the server's header, answer with the handshake, swallow
		// the <handshake/>, then echo everything.
		var one [1]byte // a byte at a time: nothing after <handshake/> is taken
		var got []byte
		for !bytes.HasSuffix(got, []byte("<handshake/>")) {
			n, err := conn.Read(one[:])
			if err != nil {
				return
			}
			got = append(got, one[:n]...)
			if bytes.HasSuffix(got, []byte(benchpeer.DefaultStreamID+"' from='"+benchDomain+"'>")) {
				sum := sha1.Sum([]byte(benchpeer.DefaultStreamID + benchSecret))
				conn.Write([]byte("<handshake>" + hex.EncodeToString(sum[:]) + "</handshake>"))
			}
		}
		benchpeer.EchoBytes(conn)
	}()
	return func() { conn.Close(); <-done }, nil
}

// BenchmarkComponentEcho: every message answered, window 1000.
func BenchmarkComponentEcho(b *testing.B) {
	b.Run("xmppcore", func(b *testing.B) { runEcho(b, xmppcoreComponent, false) })
	b.Run("xmppcore-inline", func(b *testing.B) { runEcho(b, xmppcoreInline, false) })
	b.Run("gosrc", func(b *testing.B) { runEcho(b, gosrcComponent, false) })
	b.Run("mellium", func(b *testing.B) { runEcho(b, melliumComponent, false) })
	b.Run("rawpipe", func(b *testing.B) { runEcho(b, rawPipe, false) })
}

// BenchmarkComponentSink: messages only received; one final reply.
func BenchmarkComponentSink(b *testing.B) {
	b.Run("xmppcore", func(b *testing.B) { runEcho(b, xmppcoreComponent, true) })
	b.Run("xmppcore-inline", func(b *testing.B) { runEcho(b, xmppcoreInline, true) })
	b.Run("gosrc", func(b *testing.B) { runEcho(b, gosrcComponent, true) })
	b.Run("mellium", func(b *testing.B) { runEcho(b, melliumComponent, true) })
}

// Every component in the benchmark answers: a peer that stops
// answering (as mellium's example handler does on Go 1.26 without the
// fix in peers_test.go) fails here, in make test, instead of hanging
// make bench-echo.
func TestComponentsAnswer(t *testing.T) {
	for _, c := range []struct {
		name string
		c    component
		sink bool
	}{
		{"xmppcore", xmppcoreComponent, false}, {"xmppcore-inline", xmppcoreInline, false},
		{"gosrc", gosrcComponent, false}, {"mellium", melliumComponent, false}, {"rawpipe", rawPipe, false},
		{"xmppcore/sink", xmppcoreComponent, true}, {"xmppcore-inline/sink", xmppcoreInline, true},
		{"gosrc/sink", gosrcComponent, true}, {"mellium/sink", melliumComponent, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			const n = 2000
			want := n
			if c.sink {
				want = 1
			}
			if r := run(t, c.c, n, c.sink); r.replies != want {
				t.Fatalf("%d replies, want %d", r.replies, want)
			}
		})
	}
}
