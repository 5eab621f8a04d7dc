// Command xmppbench is the first thing to run: it measures what
// xmppcore does on this machine, and checks XMPP streams.
//
//	xmppbench                       parse both generated corpora and print the table
//	xmppbench parse [--json] [FILE] scanner throughput over a stream held in memory
//	xmppbench scan [FILE|-]         check a raw XMPP stream, one line per stanza
//	xmppbench bot --addr --component --secret   an XEP-0114 echo component
//	xmppbench bot --jid --password              the same echo bot as a client
//	xmppbench login --jid --password            log in, send a message, time the round trip
//
// Run "xmppbench help" for the flags of each command.
package main

import (
	"fmt"
	"io"
	"os"
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
  (none)   parse the generated chat and mixed corpora and print a table
  parse    scanner throughput over a stream held in memory
  scan     check a raw XMPP stream and print each stanza on one line
  bot      an echo bot (XEP-0114 component, or client with --jid)
  login    log in as a client, send a message and time the round trip

Run "xmppbench COMMAND -h" for a command's flags.
`

// run is main without the process: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return runDefault(stdout, stderr)
	}
	switch args[0] {
	case "parse":
		return runParse(args[1:], stdout, stderr)
	case "scan":
		return runScan(args[1:], stdin, stdout, stderr)
	case "bot":
		return runBot(args[1:], stdout, stderr)
	case "login":
		return runLogin(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "xmppbench: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}
