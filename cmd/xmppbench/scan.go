package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stream"
)

const scanUsage = `usage: xmppbench scan [--max-stanza-bytes N] [--max-depth N] [FILE|-]

Reads a raw XMPP stream (an optional XML declaration, a <stream:stream>
header whose content namespace is jabber:client, jabber:server or
jabber:component:accept, first-level elements, optionally
</stream:stream>) from FILE, or standard input for "-" or no FILE.

Prints each complete first-level element on one line, re-serialized so
that the line alone is a namespace-well-formed XML document with the same
namespace-resolved tree; CR, LF and tab are written as character
references. Whitespace between elements is ignored; the stream's
xml:lang is not copied.

On the first violation it stops, prints "error: CONDITION: detail" as the
last line and exits 1, CONDITION being the RFC 6120 stream error a server
would send. A clean end (after </stream:stream>, or end of input between
elements) exits 0.

Flags:
`

// runScan implements "xmppbench scan".
func runScan(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, scanUsage)
		fs.PrintDefaults()
	}
	maxBytes := fs.Int("max-stanza-bytes", fastxml.DefaultMaxStanzaBytes,
		"largest first-level element allowed, in raw bytes from its '<' to its last '>'")
	maxDepth := fs.Int("max-depth", fastxml.DefaultMaxDepth,
		"deepest element nesting allowed (a first-level element has depth 1)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 1 || *maxBytes <= 0 || *maxDepth <= 0 {
		fs.Usage()
		return exitUsage
	}
	in := stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(stderr, "xmppbench scan:", err)
			return exitFail
		}
		defer f.Close()
		in = f
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	r := stream.NewReader(in, stream.ReaderConfig{
		Limits: fastxml.Limits{MaxStanzaBytes: *maxBytes, MaxDepth: *maxDepth},
	})
	var e fastxml.Element
	var line []byte
	for {
		err := r.Next(&e)
		if err == io.EOF && r.Closed() {
			err = r.ReadTrailer()
			if err == nil {
				return exitOK
			}
		}
		if err == io.EOF {
			return exitOK
		}
		if err != nil {
			fmt.Fprintln(out, scanError(err))
			return exitFail
		}
		line = e.Root().AppendStandalone(line[:0])
		line = append(line, '\n')
		out.Write(line)
	}
}

// scanError renders the error line: "error: CONDITION: detail".
func scanError(err error) string {
	var se *stream.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("error: %s: byte %d: %s", se.Condition, se.Offset, se.Text)
	}
	// Not the stream's fault: the input could not be read.
	return fmt.Sprintf("error: %s: %v", stream.ErrUndefinedCondition, err)
}
