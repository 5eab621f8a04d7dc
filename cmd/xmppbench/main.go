// Command xmppbench is the first thing to run: it measures what
// xmppcore does on this machine, and checks XMPP streams.
//
//	xmppbench [--json]              echo, sink, latency (and its floor), idle (plain and TLS) against an embedded peer
//	xmppbench run [flags]           the same, against that peer or a real server, chosen workloads
//	xmppbench serve                 the embedded loopback peer on its own
//	xmppbench parse [--json] [FILE] scanner throughput over a stream held in memory
//	xmppbench scan [FILE|-]         check a raw XMPP stream, one line per stanza
//	xmppbench bot --addr --component --secret   an XEP-0114 echo component
//	xmppbench bot --jid --password              the same echo bot as a client
//	xmppbench login --jid --password            log in, send a message, time the round trip
//	xmppbench soak --addr --jid --peer-jid ...  messages through cut connections: none lost, none twice
//
// Run "xmppbench help" for the flags of each command.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the input was refused, or the command failed
	exitUsage = 2 // bad command line
)

const usage = `usage: xmppbench [command] [flags]

Commands:
  (none)   echo, sink, latency, floor, idle and idle-tls workloads against an
           embedded loopback peer; prints a table (--json: one object per
           line)
  run      the same with flags: a real server, workloads, rates, --html
  serve    the embedded loopback peer, as a test peer for your own bots
  parse    scanner throughput over a stream held in memory
  scan     check a raw XMPP stream and print each stanza on one line
  bot      an echo bot (XEP-0114 component, or client with --jid)
  login    log in as a client, send a message and time the round trip
  soak     send messages through a proxy that keeps cutting the connection;
           stream management must lose none and duplicate none

Run "xmppbench COMMAND -h" for a command's flags.
`

// run is main without the process: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		return runDefault(args, stdout, stderr)
	}
	switch args[0] {
	case "run":
		return runRun(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdin, stdout, stderr)
	case "parse":
		return runParse(args[1:], stdout, stderr)
	case "scan":
		return runScan(args[1:], stdin, stdout, stderr)
	case "bot":
		return runBot(args[1:], stdout, stderr)
	case "login":
		return runLogin(args[1:], stdout, stderr)
	case "soak":
		return runSoak(args[1:], stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if isHelp(args[0]) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "xmppbench: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }
