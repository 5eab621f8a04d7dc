package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

const runUsage = `usage: xmppbench run [--workload echo,sink,latency,idle] [flags]
       xmppbench run --server HOST:PORT --component DOMAIN --secret S [flags]
       xmppbench run --jid JID --password P [--server HOST:PORT] [--tls ...] [--ca FILE] [flags]

Measures xmppcore's client side: stanzas per second, latency, CPU,
allocations and memory of this process. Without --server or --jid it
starts its own loopback peer ("xmppbench serve") as a child process, so
the peer's cost is not counted. With a real server:
  - as a component (--component, --secret) or a client (--jid,
    --password; DNS SRV when --server is not given), the client sends
    messages to itself through the server;
  - echo keeps --window messages in flight per connection, sink sends
    them all at once, latency offers --rate, idle holds --connections
    sessions open.

Workloads:
  echo     every message received is answered (the peer sends as fast
           as answers come back)
  sink     messages are only received
  latency  --rate messages/s (open loop: each one's latency counts from
           when it was due, so a slow sender shows as latency); default
           rate: half of the echo rate just measured, or 100000/s
  floor    the latency workload's messages at its rate, written and read
           back as raw bytes through the embedded peer (no XML, no
           xmppcore): the machine's own latency, under the latency
           workload's
  idle     --connections streams opened, then silent: memory per stream

Flags:
`

// runFlags are the flags of "run" (and the defaults of the bare run).
type runFlags struct {
	workloads   string
	server      string
	component   string
	secret      string
	connections int
	stanzas     int64
	duration    time.Duration
	size        int
	rate        float64
	window      int
	jsonOut     bool
	html        string
	timeout     time.Duration
	cpuprofile  string
	memprofile  string
	cf          clientFlags
}

// defaultWorkloads are the workloads run unless --workload says; against
// a real server, all but the floor (which needs the embedded peer).
const defaultWorkloads = "echo,sink,latency,floor,idle,idle-tls"

func addRunFlags(fs *flag.FlagSet) *runFlags {
	f := &runFlags{}
	fs.StringVar(&f.workloads, "workload", defaultWorkloads, "workloads to run, comma separated: echo, sink, latency, floor, idle, idle-tls (floor: the embedded peer only)")
	fs.StringVar(&f.server, "server", "", "a real server, HOST:PORT (default: the embedded peer)")
	fs.StringVar(&f.component, "component", "", "connect to --server as this XEP-0114 component")
	fs.StringVar(&f.secret, "secret", "", "the component's shared secret")
	fs.IntVar(&f.connections, "connections", 0, "streams per workload (default: 1, and 10000 for idle)")
	fs.Int64Var(&f.stanzas, "stanzas", 0, "stanzas per workload (default: 2000000 echo, 4000000 sink; latency: rate x duration)")
	fs.DurationVar(&f.duration, "duration", 0, "bound on each workload's load phase (default 10s; latency 3s)")
	fs.IntVar(&f.size, "size", 200, "bytes per message")
	fs.Float64Var(&f.rate, "rate", 0, "latency: offered messages per second (default: half the echo rate)")
	fs.IntVar(&f.window, "window", 100, "echo on a real server: messages in flight per connection")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per workload instead of the table")
	fs.StringVar(&f.html, "html", "", "also write a self-contained HTML report to this file")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "bound on the whole run")
	fs.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile of the workloads (go tool pprof) to this file")
	fs.StringVar(&f.memprofile, "memprofile", "", "write a heap profile, taken at the end of each workload's load phase, to this file (it records every allocation: the run is slower and its memory figures larger)")
	f.cf = addClientFlags(fs, &f.server)
	return f
}

func runRun(args []string, stdout, stderr io.Writer) int {
	return runWorkloads("run", runUsage, true, args, stdout, stderr)
}

// runDefault is the bare "xmppbench": every workload on the embedded
// peer, a table (or, with --json, JSON).
func runDefault(args []string, stdout, stderr io.Writer) int {
	return runWorkloads("xmppbench", usage, false, args, stdout, stderr)
}

// runWorkloads parses the run flags (printing text, and with flags
// their defaults, as the usage) and runs the workloads.
func runWorkloads(name, text string, flags bool, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, text)
		if flags {
			fs.PrintDefaults()
		}
	}
	f := addRunFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "xmppbench: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	return f.execute(stdout, stderr, fs.Usage)
}

// check validates the flags; the error is a usage message.
func (f *runFlags) check() ([]string, *target, error) {
	names := strings.Split(f.workloads, ",")
	if f.workloads == defaultWorkloads && (*f.cf.jid != "" || f.server != "") {
		names = slices.DeleteFunc(names, func(n string) bool { return n == "floor" })
	}
	for _, n := range names {
		if workloads[n] == nil {
			return nil, nil, fmt.Errorf("unknown workload %q (echo, sink, latency, floor, idle, idle-tls)", n)
		}
	}
	if f.connections < 0 || f.stanzas < 0 || f.duration < 0 || f.rate < 0 || f.size < 0 || f.window < 1 {
		return nil, nil, errors.New("counts, sizes, rates and durations cannot be negative")
	}
	asClient := *f.cf.jid != ""
	switch {
	case asClient && f.component != "":
		return nil, nil, errors.New("--jid and --component exclude each other")
	case asClient:
		cfg, err := f.cf.config()
		if err != nil {
			return nil, nil, err
		}
		return names, &target{client: &cfg}, nil
	case f.component != "" || f.secret != "":
		if f.server == "" || f.component == "" || f.secret == "" {
			return nil, nil, errors.New("a component needs --server, --component and --secret")
		}
		return names, &target{addrs: []string{f.server}, component: f.component, secret: f.secret}, nil
	case f.server != "":
		return nil, nil, errors.New("--server needs --component and --secret, or --jid and --password")
	}
	return names, nil, nil // the embedded peer
}

// execute runs the workloads and prints the results.
func (f *runFlags) execute(stdout, stderr io.Writer, usage func()) int {
	names, t, err := f.check()
	if err != nil {
		fmt.Fprintln(stderr, "xmppbench:", err)
		usage()
		return exitUsage
	}
	streams := 0
	for _, n := range names {
		streams = max(streams, f.params(n, nil).connections)
	}
	if err := ensureOpenFiles(uint64(streams) + fileMargin); err != nil {
		fmt.Fprintln(stderr, "xmppbench:", err)
		return exitFail
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	if t == nil {
		conns, withTLS := 1, false
		for _, n := range names {
			if n == "idle" {
				conns = max(f.connections, 10000)
			}
			withTLS = withTLS || n == "idle-tls"
		}
		if t, err = startPeer(conns, withTLS); err != nil {
			fmt.Fprintln(stderr, "xmppbench:", err)
			return exitFail
		}
		defer t.stop()
	}
	if f.cpuprofile != "" {
		fh, err := os.Create(f.cpuprofile)
		if err != nil {
			fmt.Fprintln(stderr, "xmppbench:", err)
			return exitFail
		}
		defer fh.Close()
		if err := pprof.StartCPUProfile(fh); err != nil {
			fmt.Fprintln(stderr, "xmppbench:", err)
			return exitFail
		}
		defer pprof.StopCPUProfile()
	}
	if f.memprofile != "" {
		runtime.MemProfileRate = 1 // every allocation: a stream's few hundred bytes show exactly
		memprofile = f.memprofile
	}
	tty := isTerminal(stdout) && !f.jsonOut
	if !f.jsonOut {
		where := "the embedded loopback peer (a child process: its CPU and memory are not counted)"
		if !t.embedded {
			where = f.server
			if where == "" {
				where = *f.cf.jid
			}
		}
		fmt.Fprintf(stdout, "xmppbench: %s, %d CPUs, against %s\n\n", runtime.Version(), runtime.NumCPU(), where)
	}
	var results []workloadResult
	failed := false
	for _, name := range names {
		p := f.params(name, results)
		if tty {
			p.progress = func(n int64) { fmt.Fprintf(stdout, "\r  %-8s %12d", name, n) }
		}
		res, err := workloads[name](ctx, t, p)
		if tty {
			fmt.Fprint(stdout, "\r\033[K")
		}
		if err != nil {
			fmt.Fprintf(stderr, "xmppbench: %s: %v\n", name, err)
			failed = true
			if ctx.Err() != nil {
				break
			}
			continue
		}
		results = append(results, res)
		if f.jsonOut {
			b, _ := json.Marshal(res)
			fmt.Fprintf(stdout, "%s\n", b)
		}
	}
	if !f.jsonOut {
		printTable(stdout, results)
		if t.embedded {
			fmt.Fprintln(stdout, "\nxmppbench run --help: real servers, workloads, rates, --json, --html.")
		}
	}
	if f.html != "" {
		if err := writeHTMLFile(f.html, results); err != nil {
			fmt.Fprintln(stderr, "xmppbench:", err)
			failed = true
		}
	}
	if failed {
		return exitFail
	}
	return exitOK
}

// params are the workload's parameters: the flags, or its defaults.
func (f *runFlags) params(name string, done []workloadResult) params {
	p := params{connections: f.connections, stanzas: f.stanzas, duration: f.duration, size: f.size, rate: f.rate, window: f.window}
	if p.connections == 0 {
		switch name {
		case "idle":
			p.connections = 10000
		case "idle-tls":
			p.connections = 2000 // each costs a TLS handshake on both sides
		default:
			p.connections = 1
		}
	}
	if p.duration == 0 {
		p.duration = 10 * time.Second
		if name == "latency" || name == "floor" {
			p.duration = 3 * time.Second
		}
	}
	if p.stanzas == 0 && f.duration == 0 {
		switch name {
		case "echo":
			p.stanzas = 2000000
		case "sink":
			p.stanzas = 4000000
		}
	}
	if (name == "latency" || name == "floor") && p.rate == 0 {
		p.rate = defaultRate(name, done)
	}
	return p
}

// defaultRate is the latency workload's rate when --rate is not given:
// half the echo rate just measured, or 100 000/s. The floor runs at the
// latency workload's rate.
func defaultRate(name string, done []workloadResult) float64 {
	rate := 100000.0
	for _, r := range done {
		if r.Workload == "echo" && r.StanzasPerS > 0 {
			rate = r.StanzasPerS / 2
		}
	}
	for _, r := range done {
		if name == "floor" && r.Workload == "latency" && r.Rate > 0 {
			rate = r.Rate
		}
	}
	return rate
}

// printTable prints the results as a table.
func printTable(w io.Writer, results []workloadResult) {
	fmt.Fprintf(w, "%-8s %6s %10s %12s %9s %9s %9s %8s %8s %9s %8s %9s %6s\n",
		"workload", "conns", "stanzas", "stanzas/s", "p50 µs", "p99 µs", "p999 µs", "allocs", "B/st", "CPU s/100k", "RSS MiB", "KiB/conn", "errors")
	for _, r := range results {
		lat := func(v func(*latencyUS) float64) string {
			if r.Latency == nil {
				return "-"
			}
			return fmt.Sprintf("%.0f", v(r.Latency))
		}
		perConn := "-"
		rate := fmt.Sprintf("%.0f", r.StanzasPerS)
		if strings.HasPrefix(r.Workload, "idle") {
			perConn = fmt.Sprintf("%.1f", r.MemPerConnKiB)
			rate = "-"
		}
		fmt.Fprintf(w, "%-8s %6d %10d %12s %9s %9s %9s %8.2f %8.1f %10.4f %8.1f %9s %6d\n",
			r.Workload, r.Connections, r.Stanzas, rate,
			lat(func(l *latencyUS) float64 { return l.P50 }), lat(func(l *latencyUS) float64 { return l.P99 }), lat(func(l *latencyUS) float64 { return l.P999 }),
			r.AllocsPerStanza, r.BytesPerStanza, r.CPUSPer100k, r.RSSMiB, perConn, r.Errors)
	}
	for _, r := range results {
		if r.Workload == "floor" {
			fmt.Fprintln(w, "floor: the latency workload's messages at its rate through the same peer, as raw bytes (no XML, no xmppcore): this machine's own latency")
		}
	}
	for _, r := range results {
		if r.Latency == nil || r.Rate <= 0 {
			continue
		}
		switch {
		case r.StanzasPerS < fellBehind*r.Rate:
			fmt.Fprintf(w, "%s: offered %.0f/s, sent %.0f/s: it fell behind, and its latencies include the queue that built up\n",
				r.Workload, r.Rate, r.StanzasPerS)
		case r.SentLate >= lateShare:
			fmt.Fprintf(w, "%s: %.0f%% of the stanzas were written more than %v after they were due: it fell behind its rate, and its latencies include the queue that built up\n",
				r.Workload, 100*r.SentLate, sendLate)
		}
	}
}

// fellBehind is the share of the offered rate below which the latency
// workload is reported as overloaded.
const fellBehind = 0.97

// lateShare is the share of stanzas written late (sendLate) from which
// the latency workload is reported as overloaded although its rate
// held: it sent at the rate, but behind its schedule, a queue in front
// of it all along.
const lateShare = 0.05

// writeHTMLFile writes the HTML report.
func writeHTMLFile(path string, results []workloadResult) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	machine := fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	if err := writeHTML(fh, "xmppbench", machine, results); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// memprofile, when set, is where sampleEnd writes a heap profile.
var memprofile string

// isTerminal reports whether w is a terminal (progress is shown only
// there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
