package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppcore/xmppcore/internal/benchpeer"
	"github.com/xmppcore/xmppcore/internal/echobot"
	"github.com/xmppcore/xmppcore/metrics"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
)

// params are what one workload is asked to do.
type params struct {
	connections int
	stanzas     int64         // 0: until duration
	duration    time.Duration // bound on the load phase
	size        int           // bytes per stanza
	rate        float64       // latency: offered stanzas/s over all connections
	window      int           // echo on a real server: messages in flight per connection
	progress    func(done int64)
}

// workloads by name.
var workloads = map[string]func(context.Context, *target, params) (workloadResult, error){
	"echo":    runEcho,
	"sink":    runSink,
	"latency": runLatency,
	"floor":   runFloor,
	"idle":    runIdle,
	// TLS streams, apart: no target yet, but users ask what TLS costs.
	"idle-tls": func(ctx context.Context, t *target, p params) (workloadResult, error) {
		return idleStreams(ctx, "idle-tls", t.openTLS, p)
	},
}

// sampler records the throughput timeline and reports progress while
// the load runs; count is read every 100 ms.
func sampler(count func() int64, progress func(int64)) (stop func() []timePoint) {
	done := make(chan struct{})
	var points []timePoint
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		start, last, lastAt := time.Now(), count(), time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				n := count()
				points = append(points, timePoint{Seconds: now.Sub(start).Seconds(), StanzasPerS: float64(n-last) / now.Sub(lastAt).Seconds()})
				last, lastAt = n, now
				if progress != nil {
					progress(n)
				}
			}
		}
	}()
	return func() []timePoint {
		close(done)
		wg.Wait()
		return points
	}
}

// runEcho: every message the client receives, it answers (to and from
// swapped, same body). The embedded peer sends them as fast as they are
// answered; on a real server the client keeps window messages to
// itself in flight.
func runEcho(ctx context.Context, t *target, p params) (workloadResult, error) {
	return flood(ctx, t, p, "echo")
}

// runSink: the client only receives. The embedded peer sends as fast as
// it can; on a real server the client sends to itself without waiting.
func runSink(ctx context.Context, t *target, p params) (workloadResult, error) {
	return flood(ctx, t, p, "sink")
}

// flood runs echo or sink over p.connections streams.
func flood(ctx context.Context, t *target, p params, mode string) (workloadResult, error) {
	if !t.embedded {
		return floodServer(ctx, t, p, mode)
	}
	res := workloadResult{Workload: mode, Connections: p.connections}
	per := p.stanzas / int64(p.connections)
	if p.stanzas == 0 {
		per = math.MaxInt32 // until the duration ends
	}
	var received atomic.Int64
	var errs atomic.Int64
	before := sample(true)
	stopSampler := sampler(received.Load, p.progress)
	var conns []*conn
	for i := 0; i < p.connections; i++ {
		domain := fmt.Sprintf("%s.n%d.s%d.bench", mode, per, p.size)
		c, err := t.open(ctx, domain, func(c *conn) {
			c.RegisterHandler(countingEcho(ctx, &received, mode == "sink", &errs))
		})
		if err != nil {
			stopSampler()
			closeAll(conns, true)
			return res, err
		}
		conns = append(conns, c)
	}
	// The peer ends each stream once it has sent everything and had its
	// answers.
	deadline := time.NewTimer(p.duration)
	defer deadline.Stop()
	for _, c := range conns {
		select {
		case <-c.Done():
			if c.Err() != nil {
				errs.Add(1)
			}
		case <-deadline.C:
			closeAll(conns, false)
			<-c.Done()
		case <-ctx.Done():
			closeAll(conns, true)
			return res, ctx.Err()
		}
	}
	after := sampleEnd(false)
	res.Timeline = stopSampler()
	res.fill(before, after, received.Load())
	res.syscalls(conns)
	res.Errors = errs.Load()
	return res, nil
}

// countingEcho is the echo bot of `xmppbench bot` (sink: it answers
// only the final marker), counting what it receives.
func countingEcho(ctx context.Context, received *atomic.Int64, sink bool, errs *atomic.Int64) *stream.Handler {
	onlyID := ""
	if sink {
		onlyID = benchpeer.EndID
	}
	h := echobot.Handler(ctx, onlyID, func(error) { errs.Add(1) })
	echo := h.Func
	h.Func = func(s *stream.Stream, st *stream.Stanza) {
		received.Add(1)
		echo(s, st)
	}
	return h
}

// selfFlood is one connection's share of echo or sink on a real
// server: messages to itself, each counted when it comes back. With
// echo, window are in flight and each one back sends the next.
type selfFlood struct {
	c          *conn
	per        int64
	received   atomic.Int64
	sent       atomic.Int64
	allBack    chan struct{}
	body       []byte
	echo       bool
	total      *atomic.Int64
	errs       *atomic.Int64
	mu         sync.Mutex // the handler and the first window both send
	b          stanza.Builder
	msg        []byte
	id         [20]byte
	closedByUs atomic.Bool
}

// send sends message number i to ourselves.
func (f *selfFlood) send(ctx context.Context, i int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.b.Reset(f.msg)
	f.b.Start("message").Attr("to", f.c.self).Attr("from", f.c.self).Attr("type", "chat").AttrBytes("id", strconv.AppendInt(f.id[:0], i, 10))
	f.b.Start("body").TextBytes(f.body).End().End()
	f.msg = f.b.Bytes()
	if err := f.c.SendRaw(ctx, f.msg); err != nil && !f.closedByUs.Load() {
		f.errs.Add(1)
	}
}

// handler counts each message back and, with echo, sends the next.
func (f *selfFlood) handler(ctx context.Context) *stream.Handler {
	return &stream.Handler{Name: "self-flood", Match: stream.MustPath("message/body"), Func: func(*stream.Stream, *stream.Stanza) {
		n := f.received.Add(1)
		if n > f.per {
			return
		}
		f.total.Add(1)
		if n == f.per {
			close(f.allBack)
		}
		if f.echo {
			if i := f.sent.Add(1); i <= f.per {
				f.send(ctx, i-1)
			}
		}
	}}
}

// floodServer runs echo or sink against a real server: each connection
// sends its share to itself (echo: window in flight; sink: all at once)
// and counts what comes back; the streams are closed properly once all
// came back (or at the duration).
func floodServer(ctx context.Context, t *target, p params, mode string) (workloadResult, error) {
	res := workloadResult{Workload: mode, Connections: p.connections}
	per := p.stanzas / int64(p.connections)
	if p.stanzas == 0 {
		per = math.MaxInt32
	}
	var total, errs atomic.Int64
	before := sample(true)
	stopSampler := sampler(total.Load, p.progress)
	var conns []*conn
	var floods []*selfFlood
	for i := 0; i < p.connections; i++ {
		f := &selfFlood{per: per, allBack: make(chan struct{}), body: filler(p.size), echo: mode == "echo", total: &total, errs: &errs}
		c, err := t.open(ctx, "", func(c *conn) {
			f.c = c
			c.RegisterHandler(f.handler(ctx))
		})
		if err != nil {
			stopSampler()
			closeAll(conns, true)
			return res, err
		}
		conns, floods = append(conns, c), append(floods, f)
	}
	for _, f := range floods {
		first := per
		if f.echo {
			first = min(int64(p.window), per)
		}
		f.sent.Store(first)
		go func() {
			for i := int64(0); i < first; i++ {
				f.send(ctx, i)
			}
		}()
	}
	deadline := time.NewTimer(p.duration)
	defer deadline.Stop()
	for i, f := range floods {
		select {
		case <-f.allBack:
		case <-conns[i].Done():
			errs.Add(1)
		case <-deadline.C:
		case <-ctx.Done():
		}
	}
	after := sampleEnd(false)
	res.Timeline = stopSampler()
	for i, f := range floods {
		f.closedByUs.Store(true)
		f.c.Close()
		<-conns[i].Done()
	}
	res.fill(before, after, total.Load())
	res.syscalls(conns)
	res.Errors = errs.Load()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

// syscalls sets the reads and writes per stanza from the streams'
// counters.
func (r *workloadResult) syscalls(conns []*conn) {
	if r.Stanzas == 0 {
		return
	}
	var reads, writes uint64
	for _, c := range conns {
		reads += c.Stats().Reads.Load()
		writes += c.Stats().Writes.Load()
	}
	r.ReadsPerStanza = float64(reads) / float64(r.Stanzas)
	r.WritesPerStanza = float64(writes) / float64(r.Stanzas)
}

// closeAll ends the streams and, with wait, waits for them.
func closeAll(conns []*conn, wait bool) {
	for _, c := range conns {
		c.Abort()
	}
	if wait {
		for _, c := range conns {
			<-c.Done()
		}
	}
}

// runLatency offers p.rate stanzas per second (open loop, spread over
// the connections) for p.duration and measures each one's round trip
// from the moment it was due to be sent, not from when it was sent: a
// sender that falls behind shows as latency, not as a lower rate.
//
// Stanzas are sent by the connection's reader whenever a reply comes
// in (so, under load, within microseconds of being due, without a
// goroutine spinning on a CPU the peer needs), and by a timer when
// none is in flight (Go's timers wake about 1 ms late on Linux, so at
// low rates the latency includes that).
func runLatency(ctx context.Context, t *target, p params) (workloadResult, error) {
	res := workloadResult{Workload: "latency", Connections: p.connections, Rate: p.rate}
	var hist metrics.Histogram
	var received, errs, late atomic.Int64
	total := int64(p.rate * p.duration.Seconds())
	if p.stanzas > 0 {
		total = p.stanzas
	}
	body := filler(p.size)
	var start time.Time
	var conns []*conn
	var pacers []*pacer
	for i := 0; i < p.connections; i++ {
		pc := &pacer{k: int64(i), step: int64(p.connections), total: total, interval: float64(time.Second) / p.rate, body: body, errs: &errs, late: &late}
		c, err := t.open(ctx, reflectDomain, func(c *conn) {
			pc.self, pc.write = c.self, streamWrite(ctx, c)
			c.RegisterHandler(&stream.Handler{Name: "latency", Match: stream.MustPath("message/body"), Func: func(s *stream.Stream, st *stream.Stanza) {
				due, ok := parseDue(st.Attr("id"))
				if !ok {
					return // not ours (a real server's own messages)
				}
				now := time.Since(start)
				hist.Record(now - due)
				received.Add(1)
				pc.sendDue(now, true)
			}})
		})
		if err != nil {
			closeAll(conns, true)
			return res, err
		}
		conns, pacers = append(conns, c), append(pacers, pc)
	}
	before := sample(true)
	stopSampler := sampler(received.Load, p.progress)
	start = time.Now()
	for _, pc := range pacers {
		pc.start = start
	}
	runPacers(ctx, pacers...)
	waitReplies(ctx, &received, total, nil)
	after := sampleEnd(false)
	res.Timeline = stopSampler()
	closeAll(conns, true)
	res.fill(before, after, received.Load())
	res.syscalls(conns)
	res.Errors = errs.Load() + (total - received.Load())
	res.setLatency(&hist)
	res.setSentLate(late.Load(), total)
	return res, nil
}

// reflectDomain is the component domain of the latency workloads: the
// embedded peer sends back what such a stream sends.
const reflectDomain = "reflect.bench"

// runPacers runs each pacer on a goroutine of its own, whose thread
// stays the pacer's (preciseSleeper), until all have sent everything.
func runPacers(ctx context.Context, pacers ...*pacer) {
	var wg sync.WaitGroup
	for _, pc := range pacers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc.run(ctx)
		}()
	}
	wg.Wait()
}

// waitReplies waits for the last replies of a latency workload, for
// at most 5 s (those missing then count as errors), or until stopped
// is closed (nil: never).
func waitReplies(ctx context.Context, received *atomic.Int64, total int64, stopped <-chan struct{}) {
	wait := time.Now().Add(5 * time.Second)
	for received.Load() < total && time.Now().Before(wait) && ctx.Err() == nil {
		select {
		case <-stopped:
			return
		default:
		}
		time.Sleep(time.Millisecond) // (a timer per wait would allocate: this is still the load phase)
	}
}

// setLatency sets the percentiles from hist.
func (r *workloadResult) setLatency(hist *metrics.Histogram) {
	r.Latency = &latencyUS{
		P50: us(hist.Quantile(0.5)), P90: us(hist.Quantile(0.9)), P99: us(hist.Quantile(0.99)),
		P999: us(hist.Quantile(0.999)), Max: us(hist.Max()),
	}
	for _, q := range []float64{0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99} {
		r.Percentiles = append(r.Percentiles, percentilePoint{Percentile: q, Micros: us(hist.Quantile(q / 100))})
	}
	r.Percentiles = append(r.Percentiles, percentilePoint{Percentile: 100, Micros: us(hist.Max())})
}

// setSentLate sets SentLate: late of total stanzas were written more
// than sendLate after they were due.
func (r *workloadResult) setSentLate(late, total int64) {
	if total > 0 {
		r.SentLate = float64(late) / float64(total)
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// filler is body text that makes our messages about size bytes long
// (the rest of a message is about 150 bytes).
func filler(size int) []byte { return bytes.Repeat([]byte("x"), max(size-150, 1)) }

// pacer sends one connection's share of a latency workload: stanzas
// k, k+step, k+2*step, ... below total, stanza j due at j*interval
// after start, its id the due time in nanoseconds (dueDigits digits, so
// that every message has the same length).
type pacer struct {
	self           string // the address the messages go to and come from
	write          func(b []byte, try bool) (queued bool, err error)
	start          time.Time
	interval       float64 // nanoseconds between stanzas over all connections
	body           []byte
	errs           *atomic.Int64
	late           *atomic.Int64 // stanzas written more than sendLate after they were due (nil: not counted)
	mu             sync.Mutex    // the reader's handler and run both send
	next           atomic.Int64  // when stanza k is due (ns after start): the reader's look without the lock
	k, step, total int64
	head, tail     []byte // a message up to its id's value, and after it: built once
	buf            []byte
}

// streamWrite is a pacer's write through a Stream's send queue: from the
// reader (try) it never waits, and a full queue leaves the stanzas due.
func streamWrite(ctx context.Context, c *conn) func([]byte, bool) (bool, error) {
	return func(b []byte, try bool) (bool, error) {
		if !try {
			return true, c.SendRaw(ctx, b)
		}
		err := c.TrySendRaw(b)
		if errors.Is(err, stream.ErrQueueFull) {
			return false, nil
		}
		return true, err
	}
}

// template builds, once, the message every stanza of p is: only the
// id, the due time, differs.
func (p *pacer) template() {
	var b stanza.Builder
	b.Start("message").Attr("to", p.self).Attr("from", p.self).Attr("type", "chat").Attr("id", "-")
	b.Start("body").TextBytes(p.body).End().End()
	head, tail, _ := bytes.Cut(b.Bytes(), []byte("id='-'"))
	p.head = append(append([]byte(nil), head...), "id='"...)
	p.tail = append([]byte("'"), tail...)
}

// messageLen is the length of every message p sends.
func (p *pacer) messageLen() int {
	if p.head == nil {
		p.template()
	}
	return len(p.head) + dueDigits + len(p.tail)
}

// sendDue sends, in one write, every stanza due by now (the time since
// start), and returns when the next one is due; done when all are
// sent. From the reader (try) it never waits: if the pacer's goroutine
// is sending, or the queue is full, the stanzas stay due (and their
// latency grows); and when nothing is due yet it returns at once.
func (p *pacer) sendDue(now time.Duration, try bool) (next time.Duration, done bool) {
	if try {
		if now < time.Duration(p.next.Load()) || !p.mu.TryLock() {
			return 0, false
		}
	} else {
		p.mu.Lock()
	}
	defer p.mu.Unlock()
	first := p.k
	p.buf = p.buf[:0]
	var late int64
	for ; p.k < p.total && p.k-first < maxBatch*p.step; p.k += p.step {
		due := time.Duration(float64(p.k) * p.interval)
		if due > now {
			break
		}
		if now-due > sendLate {
			late++
		}
		if p.head == nil {
			p.template()
		}
		p.buf = append(p.buf, p.head...)
		p.buf = appendDue(p.buf, due)
		p.buf = append(p.buf, p.tail...)
	}
	if p.k > first {
		if queued, err := p.write(p.buf, try); err != nil {
			p.errs.Add(1)
			p.k = p.total
		} else if !queued {
			p.k = first // still due
		} else if late > 0 && p.late != nil {
			p.late.Add(late)
		}
	}
	next = time.Duration(float64(p.k) * p.interval)
	if p.k >= p.total {
		next = math.MaxInt64
	}
	p.next.Store(int64(next))
	return next, next == math.MaxInt64
}

// sendLate is how long after it was due a stanza may be written before
// it counts as late: a pacer that writes most of its stanzas later than
// this has fallen behind its rate, and the latencies it measures
// include the queue that built up in front of it (Result.SentLate).
const sendLate = time.Millisecond

// dueDigits is the width of a message's id: the due time in
// nanoseconds, zero-padded (about 3 years).
const dueDigits = 17

// appendDue appends d as dueDigits decimal digits.
func appendDue(dst []byte, d time.Duration) []byte {
	var b [dueDigits]byte
	v := uint64(d)
	for i := dueDigits - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, b[:]...)
}

// parseDue reads an id that appendDue wrote.
func parseDue(b []byte) (time.Duration, bool) {
	if len(b) != dueDigits {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return time.Duration(v), true
}

// maxBatch bounds the stanzas one sendDue sends: a pacer that fell
// behind catches up over several writes instead of building (and, with
// a full queue, rebuilding) one huge one.
const maxBatch = 128

// batchEvery is the shortest pause of a pacer's goroutine.
const batchEvery = 50 * time.Microsecond

// run sends what falls due while no reply comes in to do it, until all
// are sent. It sleeps on a thread of its own (preciseSleeper): with
// Go's timers, which wake about 1.1 ms late on Linux when the process
// has nothing else to run, stanzas due while nothing is in flight
// waited that long (at 20 000/s: p50 389-430 µs, against 141-166 µs
// with this; three runs each).
func (p *pacer) run(ctx context.Context) {
	var sl preciseSleeper
	sl.lock()
	for ctx.Err() == nil {
		next, done := p.sendDue(time.Since(p.start), false)
		if done {
			return
		}
		// At least batchEvery apart: a write per stanza or two would
		// cost more than the stanzas themselves.
		sl.sleep(max(next-time.Since(p.start), batchEvery))
	}
}

// runIdle opens p.connections streams that then stay silent, and
// measures what each costs the client: resident memory and Go heap plus
// stacks, after a garbage collection, divided by the count.
func runIdle(ctx context.Context, t *target, p params) (workloadResult, error) {
	return idleStreams(ctx, "idle", t.open, p)
}

// idleStreams is runIdle over the streams open makes.
func idleStreams(ctx context.Context, name string, open func(context.Context, string, func(*conn)) (*conn, error), p params) (workloadResult, error) {
	res := workloadResult{Workload: name, Connections: p.connections}
	before := sample(true)
	conns := make([]*conn, 0, p.connections)
	defer func() { closeAll(conns, true) }()
	var opened atomic.Int64
	stopSampler := sampler(opened.Load, p.progress)
	for i := 0; i < p.connections; i++ {
		c, err := open(ctx, "idle.bench", func(*conn) {})
		if err != nil {
			stopSampler()
			return res, fmt.Errorf("stream %d of %d: %w", i+1, p.connections, err)
		}
		conns = append(conns, c)
		opened.Add(1)
	}
	res.Timeline = stopSampler()
	time.Sleep(200 * time.Millisecond) // let the last ones settle
	after := sampleEnd(true)
	res.fill(before, after, 0)
	res.Seconds = after.at.Sub(before.at).Seconds()
	n := float64(p.connections)
	res.MemPerConnKiB = (float64(after.rss) - float64(before.rss)) / n / 1024
	res.HeapPerConnKiB = (float64(after.heapStacks) - float64(before.heapStacks)) / n / 1024
	return res, nil
}
