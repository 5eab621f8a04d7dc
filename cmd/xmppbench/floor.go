package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/metrics"
	"github.com/xmppcore/xmppcore/stream"
)

// runFloor is the latency workload without xmppcore: the same messages,
// at the same rate, paced the same way, through the same peer, but
// written to the socket and read back as raw bytes (every message has
// the same length, and its id is at a fixed offset), with no XML
// parsing, no stream and no send queue. What it measures is the
// machine's own latency for this traffic (two processes, loopback TCP,
// the scheduler, and for a VM, its hypervisor): the floor under the
// latency workload. Only what that workload measures above it is
// xmppcore's. It needs the embedded peer, which sends back a
// reflecting stream's bytes as they come.
func runFloor(ctx context.Context, t *target, p params) (workloadResult, error) {
	res := workloadResult{Workload: "floor", Connections: 1, Rate: p.rate}
	if !t.embedded {
		return res, errors.New("the floor workload needs the embedded peer (it sends back raw bytes; a server does not)")
	}
	total := int64(p.rate * p.duration.Seconds())
	if p.stanzas > 0 {
		total = p.stanzas
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", t.addrs[0])
	if err != nil {
		return res, err
	}
	defer nc.Close()
	if err := rawComponentOpen(nc, reflectDomain, t.secret); err != nil {
		return res, fmt.Errorf("opening the stream: %w", err)
	}
	var hist metrics.Histogram
	var received, errs, late, reads, writes atomic.Int64
	pc := &pacer{step: 1, total: total, interval: float64(time.Second) / p.rate, body: filler(p.size), errs: &errs, late: &late, self: "bench@" + reflectDomain}
	pc.write = func(b []byte, _ bool) (bool, error) { // under pc.mu
		writes.Add(1)
		_, err := nc.Write(b)
		return true, err
	}
	size := pc.messageLen()
	idAt := len(pc.head)
	before := sample(true)
	stopSampler := sampler(received.Load, p.progress)
	start := time.Now()
	pc.start = start
	readErr := make(chan error, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		buf := make([]byte, 64<<10)
		have := 0
		for received.Load() < total {
			n, err := nc.Read(buf[have:])
			reads.Add(1)
			if err != nil {
				readErr <- err
				return
			}
			have += n
			i := 0
			for ; i+size <= have; i += size {
				due, ok := parseDue(buf[i+idAt : i+idAt+dueDigits])
				if !ok || buf[i] != '<' {
					readErr <- fmt.Errorf("%w: %q", errNotOurs, buf[i:i+size])
					nc.Close() // a write the peer no longer takes would wait forever
					return
				}
				hist.Record(time.Since(start) - due)
				received.Add(1)
			}
			have = copy(buf, buf[i:have])
			pc.sendDue(time.Since(start), true)
		}
		readErr <- nil
	}()
	stop := context.AfterFunc(ctx, func() { nc.Close() }) // unblocks a write
	defer stop()
	runPacers(ctx, pc)
	waitReplies(ctx, &received, total, readerDone)
	after := sampleEnd(false)
	res.Timeline = stopSampler()
	nc.Write([]byte("</stream:stream>")) // the peer's answer is not waited for
	nc.Close()
	rerr := <-readErr
	res.fill(before, after, received.Load())
	res.Errors = errs.Load() + (total - received.Load())
	res.setSentLate(late.Load(), total)
	if r := received.Load(); r > 0 {
		res.ReadsPerStanza = float64(reads.Load()) / float64(r)
		res.WritesPerStanza = float64(writes.Load()) / float64(r)
	}
	res.setLatency(&hist)
	if errors.Is(rerr, errNotOurs) {
		return res, rerr
	}
	return res, nil
}

// errNotOurs is what the floor workload's reader found when the bytes
// that came back were not the messages it sent.
var errNotOurs = errors.New("the peer sent back something other than our messages")

// rawComponentOpen opens an XEP-0114 component stream on nc by hand
// (our header, the peer's, the handshake, its answer) and leaves nothing
// of the peer's unread.
func rawComponentOpen(nc net.Conn, domain, secret string) error {
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	defer nc.SetDeadline(time.Time{})
	if _, err := io.WriteString(nc, `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='`+domain+`'>`); err != nil {
		return err
	}
	s := fastxml.NewScanner(nc, fastxml.Options{Stream: true, BufferSize: 4 << 10})
	if k, err := s.Next(); err != nil || k != fastxml.StartElement {
		return fmt.Errorf("no stream header: %v", err)
	}
	id := ""
	for i := range s.NumAttrs() {
		if a := s.Attr(i); string(a.Name().Local) == "id" && len(a.Name().Space) == 0 {
			id = string(a.Raw())
		}
	}
	if _, err := nc.Write(stream.ComponentHandshake(nil, id, secret)); err != nil {
		return err
	}
	var e fastxml.Element
	if k, err := s.NextElement(&e); err != nil || k != fastxml.WholeElement || string(e.Root().Local()) != "handshake" {
		return fmt.Errorf("the handshake was not accepted: %v", err)
	}
	if s.Buffered() > 0 {
		return errors.New("the peer sent more than its handshake answer")
	}
	return nil
}
