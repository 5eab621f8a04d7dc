package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/xmpptest"
	"github.com/xmppcore/xmppcore/stream"
)

// TestMain lets the test binary be the embedded peer: the workloads
// start their own executable as "xmppbench serve".
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--workload", "nap"},
		{"run", "--no-such-flag"},
		{"run", "--connections", "-1"},
		{"run", "--window", "0"},
		{"run", "extra"},
		{"run", "--server", "127.0.0.1:5347"},
		{"run", "--server", "127.0.0.1:5347", "--component", "c.example"},
		{"run", "--jid", "a@b", "--component", "c.example", "--password", "p"},
		{"run", "--jid", "a@b"},
		{"run", "--jid", "a@b", "--password", "p", "--tls", "maybe"},
		{"--workload", "nap"},
		{"--json", "extra"},
		{"serve", "--ports", "0"},
		{"serve", "extra"},
		{"serve", "--tls-cert", "cert.pem"},
		{"serve", "--flood-procs", "-1"},
	} {
		if code, _, errOut := runCmd(args, ""); code != 2 || !strings.Contains(errOut, "usage") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a usage message", args, code, errOut)
		}
	}
	for _, args := range [][]string{{"run", "-h"}, {"serve", "--help"}} {
		if code, _, errOut := runCmd(args, ""); code != 0 || !strings.Contains(errOut, "usage") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// Every workload runs, small, against the embedded peer; --json prints
// one object per workload with the documented fields, and the numbers
// add up.
func TestRunJSON(t *testing.T) {
	html := filepath.Join(t.TempDir(), "report.html")
	code, out, errOut := runCmd([]string{"run", "--json", "--html", html, "--stanzas", "20000", "--rate", "5000",
		"--duration", "5s", "--workload", "echo,sink,latency,idle,idle-tls", "--connections", "2", "--size", "300"}, "")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5:\n%s", len(lines), out)
	}
	want := []string{"workload", "connections", "stanzas", "seconds", "stanzas_per_s", "allocs_per_stanza",
		"bytes_per_stanza", "cpu_s_per_100k", "rss_mib", "mem_per_conn_kib", "errors"}
	for i, name := range []string{"echo", "sink", "latency", "idle", "idle-tls"} {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, lines[i])
		}
		for _, k := range want {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: no %q in %s", name, k, lines[i])
			}
		}
		var r workloadResult
		json.Unmarshal([]byte(lines[i]), &r)
		if r.Workload != name || r.Connections != 2 || r.Errors != 0 {
			t.Errorf("line %d: %+v", i, r)
		}
		switch name {
		case "echo":
			if r.Stanzas != 20000 || r.StanzasPerS <= 0 {
				t.Errorf("echo: %d stanzas at %.0f/s, want 20000", r.Stanzas, r.StanzasPerS)
			}
		case "sink":
			// Each connection's final marker counts too.
			if r.Stanzas != 20002 {
				t.Errorf("sink: %d stanzas, want 20002", r.Stanzas)
			}
		case "latency":
			if r.Latency == nil || r.Latency.P50 <= 0 || r.Latency.Max < r.Latency.P99 || r.Latency.P99 < r.Latency.P50 {
				t.Errorf("latency: %+v", r.Latency)
			}
			if r.Stanzas != 20000 || r.Rate != 5000 || len(r.Percentiles) == 0 {
				t.Errorf("latency: %d stanzas at %.0f/s offered, want 20000 at 5000/s; %d percentiles", r.Stanzas, r.Rate, len(r.Percentiles))
			}
		case "idle", "idle-tls":
			if r.MemPerConnKiB == 0 && r.HeapPerConnKiB == 0 {
				t.Errorf("%s: no memory measured: %+v", name, r)
			}
		}
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("no HTML report with a chart: %v", err)
	}
}

// The bare command runs every workload with its defaults and prints
// the table. Under the race detector it would take minutes: it runs in
// make test-norace.
func TestDefaultRun(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("the default run is timed for a normal build: make test-norace runs it")
	}
	code, out, errOut := runCmd(nil, "")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, w := range []string{"echo", "sink", "latency", "idle", "idle-tls", "stanzas/s", "KiB/conn"} {
		if !strings.Contains(out, w) {
			t.Errorf("no %q in the table:\n%s", w, out)
		}
	}
	t.Logf("\n%s", out)
}

// "xmppbench serve" alone is a peer for one's own bot: a component on
// any domain but echo.* and sink.* gets back what it sends.
func TestServeReflects(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "serve", "--listen", "127.0.0.1:0", "--stdin", "--secret", "s3cret", "--flood-procs", "1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("serve did not exit cleanly when its stdin ended: %v", err)
		}
	}()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	go io.Copy(io.Discard, stdout)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := stream.New(conn, stream.Config{Namespace: stream.NSComponent, To: "mybot.example", ComponentSecret: "s3cret", Inline: true})
	got := make(chan string, 1)
	s.RegisterHandler(&stream.Handler{Name: "got", Match: stream.MustPath("message/body"), Func: func(_ *stream.Stream, st *stream.Stanza) {
		got <- string(st.Root().Raw())
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	msg := "<message to='bot@mybot.example' from='x@mybot.example'><body>hi &amp; bye</body></message>"
	s.SendRaw(ctx, []byte(msg))
	select {
	case g := <-got:
		if g != msg {
			t.Errorf("got back %q, want %q", g, msg)
		}
	case err := <-done:
		t.Fatalf("stream ended: %v", err)
	case <-ctx.Done():
		t.Fatal("nothing came back")
	}
	s.Close()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// "run" against real servers: as a component and as a client, every
// workload completes, with nothing lost, on Prosody and on ejabberd.
func TestRunRealServers(t *testing.T) {
	for _, start := range []func(testing.TB) *xmpptest.Server{xmpptest.StartProsody, xmpptest.StartEjabberd} {
		srv := start(t)
		alice := srv.Users[0]
		for _, mode := range []struct {
			name  string
			conns int
			args  []string
		}{
			// Prosody takes one connection per component.
			{"component", 1, []string{"--server", srv.Addr(srv.ComponentPort), "--component", srv.Component, "--secret", srv.ComponentSecret}},
			{"client", 2, []string{"--server", srv.Addr(srv.C2SPort), "--jid", alice.JID, "--password", alice.Password, "--ca", srv.CAFile}},
		} {
			t.Run(srv.Name+"/"+mode.name, func(t *testing.T) {
				args := append([]string{"run", "--json", "--workload", "echo,sink,latency,idle", "--stanzas", "2000",
					"--rate", "2000", "--connections", strconv.Itoa(mode.conns), "--window", "50", "--duration", "20s"}, mode.args...)
				code, out, errOut := runCmd(args, "")
				if code != 0 {
					t.Fatalf("exit %d\n%s\n%s\n%s", code, out, errOut, srv.Log())
				}
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					var r workloadResult
					if err := json.Unmarshal([]byte(line), &r); err != nil {
						t.Fatalf("%v: %s", err, line)
					}
					want := int64(2000)
					if r.Workload == "idle" {
						want = 0
					}
					if r.Stanzas != want || r.Errors != 0 || r.Connections != mode.conns {
						t.Errorf("%s: %d stanzas (want %d), %d errors, %d connections", r.Workload, r.Stanzas, want, r.Errors, r.Connections)
					}
					t.Logf("%s: %.0f stanzas/s, latency %+v", r.Workload, r.StanzasPerS, r.Latency)
				}
			})
		}
	}
}

// The table says when the latency workload could not keep up with the
// rate it offered, since its percentiles then measure a growing queue;
// and when it kept the rate but sent behind its schedule (a queue all
// along, the rate held): a run here once sent 98.7 % of its rate with
// p50 315 µs and p99 125 ms, a quarter of its stanzas written late.
func TestPrintTableSaysWhenLatencyFellBehind(t *testing.T) {
	for _, c := range []struct {
		sent, late float64
		note       string // "" for none
	}{
		{500000, 0, ""},
		{499000, 0.01, ""},
		{400000, 0, "offered 500000/s, sent 400000/s"},
		{493500, 0.27, "27% of the stanzas were written more than 1ms after they were due"},
		{500000, lateShare, "5% of the stanzas"},
	} {
		var w strings.Builder
		printTable(&w, []workloadResult{{Workload: "latency", Connections: 1, Rate: 500000, StanzasPerS: c.sent, SentLate: c.late, Latency: &latencyUS{P50: 1}}})
		got := w.String()
		if c.note == "" && strings.Contains(got, "fell behind") || c.note != "" && !strings.Contains(got, c.note) {
			t.Errorf("sent %.0f of 500000/s, %.2f late: want note %q:\n%s", c.sent, c.late, c.note, got)
		}
	}
}

// A pacer counts the stanzas it writes more than sendLate after they
// were due, and only those it wrote: a full queue leaves them due, not
// counted.
func TestPacerCountsLateStanzas(t *testing.T) {
	var errs, late atomic.Int64
	queue := true
	var wrote int
	p := &pacer{step: 1, total: 1000, interval: float64(100 * time.Microsecond), body: []byte("x"), errs: &errs, late: &late, self: "a@b"}
	p.write = func(b []byte, _ bool) (bool, error) {
		if !queue {
			return false, nil
		}
		wrote += bytes.Count(b, []byte("<message"))
		return true, nil
	}
	// At 5 ms, stanzas 0-50 are due; those due before 4 ms (0-39) are
	// late. The queue refuses them first: nothing counts.
	queue = false
	p.sendDue(5*time.Millisecond, true)
	if late.Load() != 0 || p.k != 0 {
		t.Fatalf("refused write: late %d, next stanza %d; want 0, 0", late.Load(), p.k)
	}
	queue = true
	p.sendDue(5*time.Millisecond, true)
	if wrote != 51 || late.Load() != 40 {
		t.Errorf("wrote %d stanzas, %d late; want 51, 40", wrote, late.Load())
	}
	// Stanzas written as they fall due are not late.
	for now := 5100 * time.Microsecond; now <= 20*time.Millisecond; now += 100 * time.Microsecond {
		p.sendDue(now, true)
	}
	if wrote != 201 || late.Load() != 40 {
		t.Errorf("on time: wrote %d stanzas, %d late; want 201, 40", wrote, late.Load())
	}
	var r workloadResult
	r.setSentLate(late.Load(), p.total)
	if r.SentLate != 0.04 {
		t.Errorf("SentLate %v, want 0.04", r.SentLate)
	}
}

// The floor runs the latency workload's messages at its rate (when no
// --rate is given) and gets every one back, with percentiles; it needs
// the embedded peer.
func TestFloorWorkload(t *testing.T) {
	code, out, errOut := runCmd([]string{"run", "--json", "--workload", "latency,floor", "--stanzas", "4000", "--duration", "5s"}, "")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out)
	}
	var lat, floor workloadResult
	json.Unmarshal([]byte(lines[0]), &lat)
	json.Unmarshal([]byte(lines[1]), &floor)
	if floor.Workload != "floor" || floor.Stanzas != 4000 || floor.Errors != 0 || floor.Rate != lat.Rate || lat.Rate != 100000 {
		t.Errorf("floor %+v after latency at %.0f/s", floor, lat.Rate)
	}
	if l := floor.Latency; l == nil || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 || len(floor.Percentiles) == 0 {
		t.Errorf("floor latency: %+v", floor.Latency)
	}
	var table bytes.Buffer
	printTable(&table, []workloadResult{lat, floor})
	if !strings.Contains(table.String(), "floor: the latency workload's messages") {
		t.Errorf("the table does not say what the floor is:\n%s", table.String())
	}
	code, _, errOut = runCmd([]string{"run", "--workload", "floor", "--server", "127.0.0.1:1", "--component", "c.example", "--secret", "s"}, "")
	if code != exitFail || !strings.Contains(errOut, "needs the embedded peer") {
		t.Errorf("floor against a server: exit %d, %q", code, errOut)
	}
}

// A due time goes out as a fixed-width id and comes back as it went;
// anything else is not ours.
func TestDueIDs(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 123456789, 99999999999999999} {
		id := appendDue(nil, d)
		if len(id) != dueDigits {
			t.Errorf("%d: id %q is %d digits, want %d", d, id, len(id), dueDigits)
		}
		if got, ok := parseDue(id); !ok || got != d {
			t.Errorf("%d: read back %d, %v", d, got, ok)
		}
	}
	for _, id := range []string{"", "123", "0000000000000000x", "000000000000000000", "-0000000000000001"} {
		if _, ok := parseDue([]byte(id)); ok {
			t.Errorf("%q read as a due time", id)
		}
	}
}

// A floor whose peer sends back something else than what it was sent
// stops with errNotOurs, at once: its reader closes the connection, so
// the pacer is not left writing to a peer that no longer reads.
func TestFloorNotOurs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		br.ReadString('>') // the XML declaration
		br.ReadString('>') // the stream header
		io.WriteString(c, `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='x1'>`)
		br.ReadString('>') // <handshake>
		br.ReadString('>') // </handshake>
		io.WriteString(c, "<handshake/>")
		buf := make([]byte, 4096)
		for {
			n, err := br.Read(buf)
			if n > 0 {
				buf[0] = 'X' // not a message
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	tgt := &target{addrs: []string{ln.Addr().String()}, secret: "s", embedded: true}
	done := make(chan error, 1)
	go func() {
		_, err := runFloor(context.Background(), tgt, params{rate: 100000, duration: time.Second, size: 200})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, errNotOurs) {
			t.Errorf("floor: %v, want errNotOurs", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the floor did not stop")
	}
}

// The default workloads include the floor against the embedded peer
// only; asked for by name, it stays (and says why it cannot run).
func TestDefaultWorkloadsAgainstServers(t *testing.T) {
	for _, c := range []struct {
		args      []string
		wantFloor bool
	}{
		{nil, true},
		{[]string{"--server", "127.0.0.1:5347", "--component", "c.example", "--secret", "s"}, false},
		{[]string{"--jid", "a@example.com", "--password", "p"}, false},
		{[]string{"--workload", "latency,floor", "--server", "127.0.0.1:5347", "--component", "c.example", "--secret", "s"}, true},
	} {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		f := addRunFlags(fs)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		names, _, err := f.check()
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got := slices.Contains(names, "floor"); got != c.wantFloor {
			t.Errorf("%v: workloads %v; floor wanted: %v", c.args, names, c.wantFloor)
		}
	}
}
