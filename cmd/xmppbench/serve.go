package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"

	"github.com/xmppcore/xmppcore/internal/benchpeer"
)

const serveUsage = `usage: xmppbench serve [--listen HOST:PORT] [--ports N] [--secret S] [--flood-procs N] [--tls-cert FILE --tls-key FILE]

Runs the loopback XMPP peer that the default run and "xmppbench run"
start as a child process; it is also a test peer for your own bots. It
accepts XEP-0114 components with the shared secret S on every domain;
the domain picks what it does (first label, then options as letter and
number):

  echo.n1000000.s200.w1000.bench  send n messages of s bytes, at most w
                                  unanswered, count the replies, close
  sink.n1000000.bench             send n messages and one with id "end";
                                  close once that one is answered
  anything else                   send back every byte, unchanged, as it
                                  comes (your own </stream:stream> too)

With --tls-cert and --tls-key it also accepts direct TLS on one more
port, listed as "tls=ADDR".

It prints "listening on ADDR ..." once it accepts, and runs until
interrupted (or, with --stdin, until its standard input ends).

Flags:
`

func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
		fs.PrintDefaults()
	}
	listen := fs.String("listen", "127.0.0.1:5275", "address of the first listener (port 0: any free port)")
	ports := fs.Int("ports", 1, "number of listeners: more than one spreads many streams over several ports")
	secret := fs.String("secret", benchpeer.DefaultSecret, "the components' shared secret")
	untilEOF := fs.Bool("stdin", false, "exit when standard input ends (for a parent process)")
	tlsCert := fs.String("tls-cert", "", "with --tls-key: also listen for direct TLS on another port, with this PEM certificate")
	tlsKey := fs.String("tls-key", "", "the PEM key of --tls-cert")
	floodProcs := fs.Int("flood-procs", 1, "GOMAXPROCS while an echo or sink flood runs (0: Go's default); one leaves a 2-CPU machine's other CPU to the component")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 0 || *ports < 1 || *floodProcs < 0 || (*tlsCert == "") != (*tlsKey == "") {
		fs.Usage()
		return exitUsage
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		fmt.Fprintln(stderr, "xmppbench serve:", err)
		return exitUsage
	}
	srv := &benchpeer.Server{Secret: *secret, FloodProcs: *floodProcs}
	var lns []net.Listener
	var addrs []string
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
		srv.Close()
	}()
	for i := range *ports {
		addr := *listen
		if i > 0 {
			addr = net.JoinHostPort(host, "0")
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(stderr, "xmppbench serve:", err)
			return exitFail
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
		go srv.Serve(ln)
	}
	if *tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			fmt.Fprintln(stderr, "xmppbench serve:", err)
			return exitFail
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			fmt.Fprintln(stderr, "xmppbench serve:", err)
			return exitFail
		}
		lns = append(lns, ln)
		addrs = append(addrs, "tls="+ln.Addr().String())
		go srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}))
	}
	fmt.Fprintf(stdout, "listening on %s\n", strings.Join(addrs, " "))
	stop := make(chan struct{})
	if *untilEOF {
		go func() {
			io.Copy(io.Discard, stdin)
			close(stop)
		}()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	select {
	case <-stop:
	case <-sig:
	}
	return exitOK
}
