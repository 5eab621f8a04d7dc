package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/corpus"
	"github.com/xmppcore/xmppcore/stream"
)

const parseUsage = `usage: xmppbench parse [--json] [--corpus chat|mixed] [--duration D] [FILE]

Measures the scanner: reads the XMPP stream in FILE (or a generated 4 MiB
corpus) into memory, then scans it with full validation, building the
stanza index of every first-level element, over and over for about
--duration. Prints bytes, stanzas, seconds, MB/s, ns per stanza and heap
allocations per stanza.

Flags:
`

// parseResult is one measurement; its JSON form is what --json prints.
type parseResult struct {
	Input           string  `json:"input"`
	Bytes           int64   `json:"bytes"`
	Stanzas         int64   `json:"stanzas"`
	Seconds         float64 `json:"seconds"`
	MBPerS          float64 `json:"mb_per_s"`
	NsPerStanza     float64 `json:"ns_per_stanza"`
	AllocsPerStanza float64 `json:"allocs_per_stanza"`
}

func runParse(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, parseUsage)
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print one JSON object")
	which := fs.String("corpus", "mixed", "generated corpus when no FILE is given: chat or mixed")
	dur := fs.Duration("duration", time.Second, "how long to keep scanning")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 1 || *dur <= 0 || (*which != "chat" && *which != "mixed") {
		fs.Usage()
		return exitUsage
	}
	name := "generated " + *which + " corpus"
	var data []byte
	if fs.NArg() == 1 {
		var err error
		name = fs.Arg(0)
		if data, err = os.ReadFile(name); err != nil {
			fmt.Fprintln(stderr, "xmppbench parse:", err)
			return exitFail
		}
	} else {
		data = generated(*which)
	}
	res, err := measure(name, data, *dur)
	if err != nil {
		fmt.Fprintln(stderr, "xmppbench parse:", err)
		return exitFail
	}
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	fmt.Fprintf(stdout, "%s: %.1f MiB, %d stanzas scanned in %.2f s\n", res.Input,
		float64(res.Bytes)/(1<<20), res.Stanzas, res.Seconds)
	fmt.Fprintf(stdout, "%.0f MB/s  %.0f ns/stanza  %.3f allocs/stanza\n",
		res.MBPerS, res.NsPerStanza, res.AllocsPerStanza)
	return exitOK
}

func generated(which string) []byte {
	if which == "chat" {
		return corpus.Chat(4 << 20)
	}
	return corpus.Mixed(4 << 20)
}

// measure scans data, a whole stream, with a stream.Reader until d has
// passed (at least once) and reports the rate.
func measure(name string, data []byte, d time.Duration) (parseResult, error) {
	r := stream.NewReader(nil, stream.ReaderConfig{})
	var e fastxml.Element
	pass := func() (int64, error) {
		r.ResetBytes(data)
		var n int64
		for {
			err := r.Next(&e)
			if err == io.EOF {
				return n, nil
			}
			if err != nil {
				return n, err
			}
			n++
		}
	}
	// One pass to warm up and to check the input.
	if _, err := pass(); err != nil {
		return parseResult{}, err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	var passes, stanzas int64
	start := time.Now()
	var elapsed time.Duration
	for elapsed < d || passes == 0 {
		n, _ := pass()
		stanzas += n
		passes++
		elapsed = time.Since(start)
	}
	runtime.ReadMemStats(&ms)
	res := parseResult{
		Input:   name,
		Bytes:   passes * int64(len(data)),
		Stanzas: stanzas,
		Seconds: elapsed.Seconds(),
	}
	res.MBPerS = float64(res.Bytes) / 1e6 / res.Seconds
	if stanzas > 0 {
		res.NsPerStanza = float64(elapsed.Nanoseconds()) / float64(stanzas)
		res.AllocsPerStanza = float64(ms.Mallocs-mallocs) / float64(stanzas)
	}
	return res, nil
}
