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
// and sys-ns/op the system part of it.

const (
	benchDomain = "echo.bench.example"
	benchSecret = "s3cret"
)

// peerEnv makes the test binary run as the benchmark peer.
const peerEnv = "XMPPCORE_BENCHPEER"

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
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %t", peerEnv, b.N, sink))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	lines := bufio.NewScanner(out)
	line := func() string {
		if !lines.Scan() {
			b.Fatalf("benchmark peer: no output (%v)", lines.Err())
		}
		if l := lines.Text(); !strings.HasPrefix(l, "error") {
			return l
		}
		b.Fatalf("benchmark peer: %s", lines.Text())
		return ""
	}
	addr := line()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchpeer.Chat)))
	b.ResetTimer()
	user0, sys0 := cpuTime()
	stop, err := c(addr, sink)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	var elapsed time.Duration
	var replies int
	if _, err := fmt.Sscanf(line(), "%d %d", &elapsed, &replies); err != nil {
		b.Fatal(err)
	}
	user1, sys1 := cpuTime()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "stanzas/s")
	b.ReportMetric(float64(user1+sys1-user0-sys0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(sys1-sys0)/float64(b.N), "sys-ns/op")
	if st := lastStats; st != nil {
		b.ReportMetric(float64(st.Reads.Load())/float64(b.N), "reads/op")
		b.ReportMetric(float64(st.Writes.Load())/float64(b.N), "writes/op")
		lastStats = nil
	}
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
		buf := make([]byte, 64<<10)
		var got []byte
		for !bytes.HasSuffix(got, []byte("<handshake/>")) {
			n, err := conn.Read(buf[:1])
			if err != nil {
				return
			}
			got = append(got, buf[:n]...)
			if bytes.HasSuffix(got, []byte(benchpeer.DefaultStreamID+"' from='"+benchDomain+"'>")) {
				sum := sha1.Sum([]byte(benchpeer.DefaultStreamID + benchSecret))
				conn.Write([]byte("<handshake>" + hex.EncodeToString(sum[:]) + "</handshake>"))
			}
		}
		// A plain loop: io.Copy would try to splice the socket into itself.
		for {
			n, err := conn.Read(buf)
			if n > 0 {
				if _, werr := conn.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return func() { conn.Close(); <-done }, nil
}

// BenchmarkComponentEcho: every message answered, window 1000.
func BenchmarkComponentEcho(b *testing.B) {
	b.Run("xmppcore", func(b *testing.B) { runEcho(b, xmppcoreComponent, false) })
	b.Run("xmppcore-inline", func(b *testing.B) { runEcho(b, xmppcoreInline, false) })
	b.Run("gosrc", func(b *testing.B) { runEcho(b, gosrcComponent, false) })
	b.Run("rawpipe", func(b *testing.B) { runEcho(b, rawPipe, false) })
}

// BenchmarkComponentSink: messages only received; one final reply.
func BenchmarkComponentSink(b *testing.B) {
	b.Run("xmppcore", func(b *testing.B) { runEcho(b, xmppcoreComponent, true) })
	b.Run("xmppcore-inline", func(b *testing.B) { runEcho(b, xmppcoreInline, true) })
	b.Run("gosrc", func(b *testing.B) { runEcho(b, gosrcComponent, true) })
}
