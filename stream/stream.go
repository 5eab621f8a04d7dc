package stream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/ring"
	"github.com/xmppcore/xmppcore/metrics"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stanzapool"
)

// Config configures a Stream. The zero value opens a jabber:client
// stream with default limits and queues.
type Config struct {
	// Namespace is the content namespace of our stream header (the
	// seed's default_ns). Default NSClient.
	Namespace string
	// NamespaceMap declares more prefixes on our header: prefix → name
	// (the seed's namespace_map).
	NamespaceMap map[string]string
	// To, From, ID, Lang are the attributes of our stream header; empty
	// ones are left out. Version defaults to "1.0".
	To, From, ID, Version, Lang string
	// Header and Footer, when set, replace the stream header and footer
	// we send (the seed's stream_header and stream_footer).
	Header, Footer []byte

	// Reader bounds what the peer may send; see ReaderConfig.
	Reader ReaderConfig

	// QueueLen bounds the outgoing queue, in stanzas. Send waits (or
	// TrySend fails with ErrQueueFull) when it is full. Default 1024.
	QueueLen int
	// Metrics, if set, is updated as the stream runs: stanzas and bytes
	// in and out, the outgoing queue's depth, and an error when Run
	// ends with one (its Latency is left to the application). Give each
	// stream its own and sum them with a metrics.Registry, which an
	// expvar adapter publishes (metrics.Publish).
	Metrics *metrics.Counters

	// QueueBytes bounds the outgoing queue in bytes, as QueueLen does
	// in stanzas (a stanza larger than QueueBytes still goes into an
	// empty queue). Default 4 MiB.
	QueueBytes int
	// DispatchLen bounds the stanzas read but not yet dispatched; when
	// it is full the reader stops reading, and TCP pushes back on the
	// peer. Default 1024.
	DispatchLen int

	// OnHeader is called with the peer's stream header, before any
	// stanza is dispatched (the seed's start_stream_handler). An error
	// ends the stream; a *Error is sent to the peer as a stream error.
	OnHeader func(s *Stream, h *Header) error

	// OnPanic is called with the value of a handler's or filter's
	// panic (the seed's exception hook). The stream goes on. Default: the
	// "exception" event carries the panic value.
	OnPanic func(s *Stream, v any)

	// ComponentSecret, when set, makes the stream an XEP-0114 component
	// session: after the headers we send the handshake and wait for the
	// server's <handshake/> before dispatching anything else.
	ComponentSecret string

	// Events, when set, is the event hub the Stream emits on, so that
	// handlers registered before the Stream exists (say, for a client
	// session's negotiation events) stay registered. Default: a hub of
	// the Stream's own.
	Events *Events

	// KeepAlive, when positive, sends a single space after that long
	// without writing anything (the seed's whitespace keepalive). 0: off.
	KeepAlive time.Duration
	// OpenTimeout bounds the opening of the stream: the peer's header
	// and, for a component, the handshake, from Run's start. A peer that
	// stays silent, or trickles its header a byte at a time (slowloris),
	// is cut off with connection-timeout. Default 30 s; negative: no
	// bound. (A client session's negotiation has its own bound:
	// client.Config.NegotiationTimeout.)
	OpenTimeout time.Duration
	// IdleTimeout, when positive, ends the stream with connection-timeout
	// after that long without reading anything: a dead peer, or a dead
	// network path. 0: off.
	IdleTimeout time.Duration
	// PingIdle sends an XEP-0199 ping after half of IdleTimeout without
	// reading, so that a live but quiet peer answers in time.
	PingIdle bool
	// ReadLinger is how long the reader waits for more input, once it
	// has read everything, before its goroutine ends and its read
	// buffer goes back to the pool (how an idle stream holds almost
	// nothing). A busy stream's next chunk comes within the linger, so
	// the reader goes on where it is. Default 1 ms; negative: no wait.
	// Only sockets linger; other connections keep their reader.
	ReadLinger time.Duration

	// Negotiated, when set, is a stream already opened on the
	// connection (by a client session's negotiation: TLS, SASL, bind):
	// Run then sends no header and reads none, and goes on reading with
	// this Reader, whose header is the peer's.
	Negotiated *Reader

	// Inline runs filters and handlers on the reader goroutine, on a
	// view of the read buffer: no copy and no hand-off to a dispatcher
	// goroutine, the fastest way for handlers that never block. Reading
	// waits while a handler runs, so a handler must not wait for
	// anything the peer sends (an IQ reply, say): that would deadlock
	// the stream. To keep a stanza, use what Retain returns. Default
	// false: stanzas are copied into the dispatch ring and handled on a
	// goroutine of their own, and a slow handler only delays dispatch.
	Inline bool

	// Pool supplies outgoing buffers. Default: a package-wide pool with
	// the default cap.
	Pool *stanzapool.Pool

	// SM, when set, turns on XEP-0198 stream management for this
	// stream (see SM): stanzas sent are kept until the peer
	// acknowledges them, <r/> is answered, and a Stream made with the SM
	// of a lost one resends what the peer did not get. The session
	// layer enables or resumes it (client.Config.StreamManagement).
	SM *SM

	// CloseWait bounds how long Close waits for the peer's footer before
	// closing the connection. Default 5 s.
	CloseWait time.Duration
}

var defaultPool stanzapool.Pool

// Errors of the send path.
var (
	ErrQueueFull = errors.New("stream: outgoing queue full")
	ErrRunTwice  = errors.New("stream: Run called more than once")
	ErrClosed    = errors.New("stream: closed")
)

// Stream is an XMPP stream over a connection: slixmpp's XMLStream in Go.
// Run reads; Send and friends write; handlers, filters and events
// connect the two. See the package documentation for the map from the
// seed's names to these.
type Stream struct {
	conn net.Conn
	sock rawSocket // conn's socket, if it is one (sock.rc): see idle, flushInline and readBursts
	// readable and wait are the socket callbacks of readBursts and
	// idle, made once.
	readable, wait func(fd uintptr) bool
	readErr        error          // what idle's read found wrong, for the scanner's next read to return
	inCounted      uint64         // stanzas read and not yet in Stats (the reader's; see publishIn)
	ist            Stanza         // the reader's stanza, whose Element the dispatcher mode reads into
	writers        sync.WaitGroup // the writer goroutine, while one runs
	writer         func()         // the writer goroutine's body, made once
	released       atomic.Uint64  // read buffers released by readBursts (tests)
	cfg            Config
	pool           *stanzapool.Pool
	r              *Reader

	in  *ring.Ring[*Stanza]
	out sendQueue

	handlers   atomic.Pointer[[]*Handler] // copy-on-write; the dispatcher reads without locks
	inFilters  atomic.Pointer[[]filterEntry[InFilter]]
	outFilters atomic.Pointer[[]filterEntry[OutFilter]]
	mu         sync.Mutex // serialises changes to handlers and filters
	filterSeq  int

	events *Events
	sched  scheduler
	kinds  atomic.Pointer[[]Kind]

	idPrefix [8]byte
	idSeq    atomic.Uint64

	peer     atomic.Pointer[Header]
	closing  chan struct{} // closed when the stream starts to end
	ended    atomic.Bool   // set just before closing is closed
	done     chan struct{} // closed when Run has returned
	endOnce  sync.Once
	tail     []byte // what the writer sends last (stream error, footer)
	reason   string // Disconnect's reason; under tailMu
	tailMu   sync.Mutex
	sentTail atomic.Bool
	err      error
	stats    Stats
	live     liveness
	running  atomic.Bool
}

// Stats counts a stream's traffic. Each counter has a cache line of its
// own: the reader, the senders and the writer update them at once.
//
// StanzasIn counts what the reader has read: it adds its count before
// each read from the connection and when it stops, so during a chunk
// of input the stanzas of that chunk are not in it yet. StanzasOut
// counts what the writer has taken from the send queue to write (what
// was dropped or never sent is not in it).
type Stats struct {
	StanzasIn  atomic.Uint64
	_          [56]byte
	StanzasOut atomic.Uint64
	_          [56]byte
	Reads      atomic.Uint64 // read calls on the connection
	_          [56]byte
	Writes     atomic.Uint64 // write calls on the connection
}

// New returns a Stream over conn. Nothing happens until Run.
func New(conn net.Conn, cfg Config) *Stream {
	if cfg.Namespace == "" {
		cfg.Namespace = NSClient
	}
	if cfg.Version == "" {
		cfg.Version = "1.0"
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = 1024
	}
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = 4 << 20
	}
	if cfg.DispatchLen <= 0 {
		cfg.DispatchLen = 1024
	}
	if cfg.CloseWait <= 0 {
		cfg.CloseWait = 5 * time.Second
	}
	s := &Stream{
		conn:    conn,
		cfg:     cfg,
		pool:    cfg.Pool,
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	if !cfg.Inline { // with Inline nothing goes through the ring
		s.in = ring.New[*Stanza](cfg.DispatchLen)
	}
	s.out.init(cfg.QueueLen, cfg.QueueBytes)
	if cfg.SM != nil {
		s.out.sm = cfg.SM
		// A resumption resends first what the peer did not get: ahead
		// of everything sent on this Stream, after its header.
		s.out.gate, s.out.gateEnd = cfg.SM.attach(&s.out)
	}
	if cfg.Negotiated != nil && cfg.ComponentSecret == "" {
		// The headers were exchanged by the negotiation: nothing has to go
		// first, so nothing is held back. (Held back, a stanza sent before
		// Run reached the session's start was dropped by a Close that
		// came first.)
		s.out.ungateLocked() // no other goroutine has the Stream yet
	}
	s.out.sent = &s.stats.StanzasOut
	if cfg.Metrics != nil {
		s.out.depth = &cfg.Metrics.QueueDepth
		s.out.sentMetric = &cfg.Metrics.StanzasOut
	}
	s.out.add = s.addWriter
	s.out.start = s.startWriter
	s.writer = func() {
		defer s.writers.Done()
		s.writeLoop()
	}
	s.live.epoch = time.Now()
	if s.events = cfg.Events; s.events == nil {
		s.events = new(Events)
	}
	if sc, ok := conn.(syscall.Conn); ok && canTryWrite {
		if rc, err := sc.SyscallConn(); err == nil {
			s.sock.rc = rc
			s.readable = s.inputOrRelease
			s.wait = s.waitInput
		}
	}
	if s.pool == nil {
		s.pool = &defaultPool
	}
	var seed [4]byte
	rand.Read(seed[:])
	hex.Encode(s.idPrefix[:], seed[:])
	return s
}

// Conn returns the connection.
func (s *Stream) Conn() net.Conn { return s.conn }

// Peer returns the peer's stream header once Run has read it, nil
// before.
func (s *Stream) Peer() *Header { return s.peer.Load() }

// Stats returns the stream's counters.
func (s *Stream) Stats() *Stats { return &s.stats }

// Events returns the stream's event hub.
func (s *Stream) Events() *Events { return s.events }

// Done is closed when Run has returned (the seed's disconnected future).
func (s *Stream) Done() <-chan struct{} { return s.done }

// Err returns why the stream ended, after Done is closed: nil when the
// peer closed it cleanly.
func (s *Stream) Err() error {
	<-s.done
	return s.err
}

// AppendID appends a new id, unique on this stream, to dst (the seed's
// new_id, without allocating).
func (s *Stream) AppendID(dst []byte) []byte {
	dst = append(dst, s.idPrefix[:]...)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, s.idSeq.Add(1), 16)
}

// NewID returns a new id, unique on this stream.
func (s *Stream) NewID() string { return string(s.AppendID(nil)) }

// NewBuffer returns an empty pooled buffer for a stanza to Send. Send
// copies the stanza into the outgoing queue and hands the buffer back
// for NewBuffer to reuse, so in steady state the send path allocates
// nothing.
func (s *Stream) NewBuffer() *stanzapool.Buffer {
	if b := s.out.get(); b != nil {
		return b
	}
	return s.pool.Get()
}

// header builds our stream header.
func (s *Stream) header() []byte {
	if s.cfg.Header != nil {
		return s.cfg.Header
	}
	h := []byte("<?xml version='1.0'?><stream:stream xmlns='")
	h = stanza.AppendAttrValue(h, s.cfg.Namespace)
	h = append(h, "' xmlns:stream='"+NSStreams+"'"...)
	for p, ns := range s.cfg.NamespaceMap {
		h = append(h, " xmlns:"+p+"='"...)
		h = stanza.AppendAttrValue(h, ns)
		h = append(h, '\'')
	}
	for _, a := range [...]struct{ name, value string }{
		{"to", s.cfg.To}, {"from", s.cfg.From}, {"id", s.cfg.ID}, {"version", s.cfg.Version}, {"xml:lang", s.cfg.Lang},
	} {
		if a.value != "" {
			h = append(h, " "+a.name+"='"...)
			h = stanza.AppendAttrValue(h, a.value)
			h = append(h, '\'')
		}
	}
	return append(h, '>')
}

func (s *Stream) footer() []byte {
	if s.cfg.Footer != nil {
		return s.cfg.Footer
	}
	return []byte("</stream:stream>")
}

// Run runs the stream until it ends: it sends our header, reads the
// peer's, runs the XEP-0114 handshake if configured, then reads and
// dispatches stanzas while a writer goroutine sends what is queued.
//
// It returns nil when the peer closed the stream with
// </stream:stream> (we answer with ours). When the peer sends bad
// input, the matching stream error goes out before the connection is
// closed, and Run returns it as an *Error. A stream error from the peer
// comes back as a *RemoteError. When ctx ends, the stream is closed
// with our footer.
func (s *Stream) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunTwice
	}
	if s.isClosing() {
		s.out.finish() // closed before Run: a writer for the footer
	}
	defer close(s.done)
	rc := s.cfg.Reader
	if rc.BufferSize == 0 {
		rc.BufferSize = 64 << 10 // a busy stream reads in large chunks
	}
	// The dispatcher is woken when the reader is about to wait for the
	// network, or every wakeEvery stanzas, not once per stanza.
	if s.cfg.Negotiated != nil {
		s.r = s.cfg.Negotiated
		s.r.SetSource(beforeRead{s})
	} else {
		s.r = NewReader(beforeRead{s}, rc)
	}
	dispatcher := make(chan struct{})
	if s.cfg.Inline {
		close(dispatcher)
	} else {
		go func() { defer close(dispatcher); s.dispatchLoop() }()
	}
	if ctx.Done() != nil { // a context that can end (not Background) closes the stream
		stop := context.AfterFunc(ctx, func() { s.Close() })
		defer stop()
	}
	s.startLiveness()
	defer s.stopLiveness()

	var err error
	if s.sock.rc == nil {
		err = s.readLoop(ctx)
	} else {
		err = s.readBursts(ctx)
	}
	// Stanzas read before the end are still handled, and their replies
	// still sent, before our footer or stream error goes out.
	if s.in != nil {
		s.in.Close()
	}
	<-dispatcher
	s.end(err)
	s.stopSchedules()
	s.out.finish()
	s.writers.Wait()
	s.conn.Close()
	if m := s.cfg.Metrics; m != nil && s.err != nil {
		m.Errors.Inc()
	}
	s.events.Emit(EventDisconnected, s.err)
	return s.err
}

// busyRead is the read size from which a socket is taken to be busy
// (rawSocket.setBusy): the peer is ahead of the reader, and more input
// is likely queued behind it. Smaller reads, a stanza or a few at a
// time, leave it as it is: each would otherwise cost two setsockopt
// calls around the wait that follows it.
const busyRead = 16 << 10

// wakeEvery bounds how many stanzas the reader commits to the dispatch
// ring before it wakes the dispatcher.
const wakeEvery = 32

// beforeRead runs the reader's flush points around every read from the
// connection: the dispatcher is woken so that no committed stanza
// waits for the network, and with Config.Inline the replies held
// during the last chunk are handed to the writer, and the next chunk's
// are held.
type beforeRead struct {
	s *Stream
}

func (b beforeRead) Read(p []byte) (int, error) {
	s := b.s
	s.publishIn()
	if err := s.readErr; err != nil {
		s.readErr = nil
		return 0, err
	}
	s.stats.Reads.Add(1)
	if s.cfg.Inline {
		s.flushInline()
	} else {
		s.in.Wake()
	}
	n, err := s.read(p)
	s.afterRead(n)
	return n, err
}

// read is a read from the connection: a busy socket is read as
// rawSocket.readBusy does.
func (s *Stream) read(p []byte) (int, error) {
	if s.sock.busy {
		return s.sock.readBusy(s.conn, p)
	}
	return s.conn.Read(p)
}

// afterRead counts a read of n bytes, and with Config.Inline holds the
// replies to what it brought.
func (s *Stream) afterRead(n int) {
	if n >= busyRead {
		s.sock.setBusy() // more is likely queued behind a read this large
		// A read that filled half the buffer or more: the peer has more
		// queued than the buffer holds, and fewer, larger reads cost
		// less (each also sends the peer a window update, which a
		// loopback processes in the reader's context). In a one-way
		// flood, 256 KiB reads made a quarter as many and took about
		// 5 % off the CPU time per stanza.
		if sc := s.r.Scanner(); n >= sc.BufferCap()/2 {
			sc.GrowBuffer(s.busyBuffer())
		}
	}
	if n > 0 {
		s.sawRead()
		if m := s.cfg.Metrics; m != nil {
			m.BytesIn.Add(int64(n))
		}
	}
	if s.cfg.Inline {
		s.out.hold()
	}
}

// busyBuffer is ReaderConfig.BusyBufferSize with its default.
func (s *Stream) busyBuffer() int {
	if n := s.cfg.Reader.BusyBufferSize; n != 0 {
		return n
	}
	return 256 << 10
}

// flushInline hands the replies held during the last chunk to the
// network on the reader's way to its next read. On a socket (TCP, Unix)
// the reader writes them itself, as much as the socket takes without
// blocking, and leaves only the rest to the writer goroutine: no
// wake-up, no hand-off, and never a reader stuck in a write while the
// peer waits for it to read. On other connections (TLS, pipes) the
// writer goroutine is woken.
func (s *Stream) flushInline() {
	if s.sock.rc == nil {
		s.out.flushKick()
		return
	}
	batch := s.out.flush()
	if batch == nil {
		return
	}
	s.stats.Writes.Add(1)
	n, err := s.sock.tryWrite(batch)
	s.wrote()
	s.countOut(n)
	if err != nil {
		s.out.written(batch)
		s.end(err)
		s.conn.Close()
		return
	}
	if n == len(batch) {
		s.out.written(batch)
		return
	}
	s.out.carryOver(batch, n)
}

// countIn counts a stanza read. The reader counts on its own and
// publishes the count (publishIn) before each read from the
// connection, when it runs out of input and when it stops: an atomic
// add per read, not per stanza.
func (s *Stream) countIn() { s.inCounted++ }

// publishIn adds the stanzas the reader counted to Stats and Metrics.
func (s *Stream) publishIn() {
	n := s.inCounted
	if n == 0 {
		return
	}
	s.inCounted = 0
	s.stats.StanzasIn.Add(n)
	if m := s.cfg.Metrics; m != nil {
		m.StanzasIn.Add(int64(n))
	}
}

// countQueued counts a stanza queued to send in Metrics' queue depth.
// (Stanzas out are counted by the send queue as the writer takes them.)
func (s *Stream) countQueued() {
	if m := s.cfg.Metrics; m != nil {
		m.QueueDepth.Add(1)
	}
}

// countOut counts n bytes written in the metrics, if any.
func (s *Stream) countOut(n int) {
	if m := s.cfg.Metrics; m != nil && n > 0 {
		m.BytesOut.Add(int64(n))
	}
}

// write writes a batch that the send queue handed out. A failed write
// ends the stream, and is returned.
func (s *Stream) write(batch []byte) error {
	s.stats.Writes.Add(1)
	n, err := s.conn.Write(batch)
	s.wrote()
	s.countOut(n)
	s.out.written(batch)
	if err != nil {
		s.end(err)
		s.conn.Close()
	}
	return err
}

// readLoop is the reader goroutine's work: headers, handshake, stanzas.
func (s *Stream) readLoop(ctx context.Context) error {
	bounded := false
	if s.cfg.Negotiated == nil {
		if err := s.out.putProto(s.header()); err != nil {
			return err
		}
		if t := s.openTimeout(); t > 0 {
			s.conn.SetReadDeadline(time.Now().Add(t))
			bounded = true
		}
	}
	h, err := s.r.ReadHeader() // the negotiated Reader has it already
	if err != nil {
		return s.openFailed(err, bounded)
	}
	peer := *h
	s.peer.Store(&peer)
	if s.cfg.OnHeader != nil {
		if err := s.cfg.OnHeader(s, &peer); err != nil {
			return err
		}
	}
	if s.cfg.ComponentSecret == "" {
		// Nothing more to wait for: what was sent before goes out now,
		// before anyone learns that the stream has started (a Close
		// after that would otherwise find it still held back).
		s.out.open()
	}
	s.events.Emit(EventStreamStart, &peer)
	if s.cfg.ComponentSecret != "" {
		if err := s.componentHandshake(ctx, &s.ist.Element); err != nil {
			return s.openFailed(err, bounded)
		}
		s.out.open() // what was sent before goes out now, after the handshake
	}
	if bounded {
		s.conn.SetReadDeadline(time.Time{})
	}
	s.events.Emit(EventSessionStart, nil)
	return s.readStanzas(ctx)
}

func (s *Stream) openTimeout() time.Duration {
	if s.cfg.OpenTimeout == 0 {
		return 30 * time.Second
	}
	return s.cfg.OpenTimeout
}

// openFailed names a read that OpenTimeout's deadline cut:
// connection-timeout, sent to the peer as a stream error.
func (s *Stream) openFailed(err error, bounded bool) error {
	if bounded && errors.Is(err, os.ErrDeadlineExceeded) {
		return &Error{Condition: ErrConnectionTimeout, Offset: s.r.Scanner().InputOffset(), Err: err,
			Text: "the stream was not open within " + s.openTimeout().String() + " (Config.OpenTimeout)"}
	}
	return err
}

// readStanzas reads and dispatches stanzas until the stream ends, or
// until there is nothing to read (errIdle; see readBursts).
func (s *Stream) readStanzas(ctx context.Context) error {
	defer s.publishIn()
	if s.cfg.Inline {
		return s.readInline()
	}
	e := &s.ist.Element
	for n := 0; ; {
		if s.idle() {
			return errIdle
		}
		if err := s.next(e); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		s.countIn()
		slot, err := s.in.Reserve(ctx)
		if err != nil {
			return err
		}
		*slot = fill(*slot, e)
		s.in.Commit()
		if n++; n%wakeEvery == 0 {
			s.in.Wake()
		}
	}
}

// next reads the next stanza into e. It returns io.EOF when the peer
// has closed the stream, and the peer's stream error as a *RemoteError.
func (s *Stream) next(e *fastxml.Element) error {
	if err := s.r.Next(e); err != nil {
		if err == io.EOF {
			if s.r.Closed() {
				return io.EOF
			}
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if !s.r.stanza && e.Root().Is(NSStreams, "error") { // (a stanza is not)
		re := RemoteErrorOf(e)
		s.events.Emit(EventStreamError, re)
		return re
	}
	return nil
}

// errAgain is a non-blocking read's "nothing yet" (rawSocket).
var errAgain = errors.New("stream: no input yet")

// errIdle is how the reader tells readBursts that nothing is left to
// read for now.
var errIdle = errors.New("stream: idle")

// readBursts is Run's read loop on a socket. The reading (the header,
// then stanzas) runs on a goroutine of its own for as long as there is
// input; when nothing is buffered and the socket has had nothing more
// for Config.ReadLinger, that goroutine ends, and Run's goroutine waits
// for input, on a shallow stack, with the read buffer back in the pool.
// So an idle stream is one parked goroutine whose stack the runtime
// shrinks to its minimum, and no buffer; a busy one pays a non-blocking
// peek per read, and after each pause longer than the linger, the
// start of a goroutine and the net package's timeout error (one
// allocation).
func (s *Stream) readBursts(ctx context.Context) error {
	results := make(chan error, 1)
	setup := true
	burst := func() { // made once: starting it allocates nothing
		if setup {
			setup = false
			results <- s.readLoop(ctx)
			return
		}
		results <- s.readStanzas(ctx)
	}
	for {
		go burst()
		if err := <-results; err != errIdle {
			return err
		}
		s.sock.rc.Read(s.readable) // an error comes back from the next burst's read
	}
}

// idle is called by the reader between stanzas. With nothing buffered,
// it flushes what the last chunk's handlers sent (or wakes the
// dispatcher), as before any read, and reports whether the socket is
// without input: then the reader stops (see readBursts). Connections
// that are not sockets never stop.
func (s *Stream) idle() bool {
	if s.r.Buffered() > 0 {
		return false
	}
	s.publishIn()
	if s.sock.rc == nil {
		return false
	}
	if s.cfg.Inline {
		s.flushInline()
	} else {
		s.in.Wake()
	}
	// One non-blocking read, straight into the scanner's buffer: when
	// the peer has sent more, it is the read the scanner would have
	// made next, and nothing (a peek, say) goes before it.
	switch n, err := s.r.Scanner().Fill(&s.sock); {
	case n > 0:
		s.stats.Reads.Add(1)
		s.afterRead(n)
		return false
	case err == io.EOF:
		return false // the scanner's next read finds the end too
	case err != errAgain:
		// The scanner's next read returns it (a closed connection
		// reports its own error).
		if err != nil && !errors.Is(err, net.ErrClosed) {
			s.keepReadErr(err)
		}
		return false
	}
	// Quiet for now: whoever waits for the socket from here on needs it
	// to say readable at the first byte.
	s.sock.setWaiting()
	// A busy peer sends its next chunk within
	// microseconds: wait for it here, on this goroutine, rather than
	// end the burst (a goroutine's end and start and a hand-off to Run's
	// goroutine every time, which costs a busy stream about a quarter
	// of its CPU time).
	linger := s.linger()
	if linger <= 0 {
		return true
	}
	s.conn.SetReadDeadline(time.Now().Add(linger))
	err := s.sock.rc.Read(s.wait)
	s.conn.SetReadDeadline(time.Time{})
	return errors.Is(err, os.ErrDeadlineExceeded)
}

func (s *Stream) linger() time.Duration {
	if s.cfg.ReadLinger == 0 {
		return time.Millisecond
	}
	return s.cfg.ReadLinger
}

// waitInput is idle's wait: true once the socket has input (or an end
// or error to report).
func (s *Stream) waitInput(fd uintptr) bool { return s.hasInput(fd) }

// hasInput is socketHasInput that keeps the error it took from the
// socket for the scanner's next read.
func (s *Stream) hasInput(fd uintptr) bool {
	ok, err := socketHasInput(fd)
	if err != nil {
		s.keepReadErr(err)
	}
	return ok
}

// keepReadErr keeps the error errno that a peek or a non-blocking read
// took from the socket, for the scanner's next read to return as the
// net package would have.
func (s *Stream) keepReadErr(errno error) { s.readErr = readError(s.conn, errno) }

// readError is the error the net package returns for a read of conn
// that failed with errno.
func readError(conn net.Conn, errno error) error {
	return &net.OpError{Op: "read", Net: conn.LocalAddr().Network(),
		Source: conn.LocalAddr(), Addr: conn.RemoteAddr(), Err: os.NewSyscallError("read", errno)}
}

// inputOrRelease is readBursts' wait: true once the socket has input
// (or an end or error to report); before waiting, it releases the read
// buffer.
func (s *Stream) inputOrRelease(fd uintptr) bool {
	if s.hasInput(fd) {
		return true
	}
	if s.r.ReleaseBuffer() {
		s.released.Add(1)
	}
	return false
}

// readInline is readLoop's stanza loop with Config.Inline: each
// stanza is dispatched where it lies in the read buffer.
func (s *Stream) readInline() error {
	st := &s.ist
	st.borrowed = true
	for {
		if s.idle() {
			return errIdle
		}
		if err := s.next(&st.Element); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		s.countIn()
		if st.refs.Load() != 1 { // a handler released it, wrongly
			st.refs.Store(1)
		}
		s.dispatch(st)
	}
}

// end records why the stream ends and queues what we still owe the
// peer: the stream error, if the peer's input caused one, and our
// footer.
func (s *Stream) end(err error) {
	s.endOnce.Do(func() {
		if errors.Is(err, io.ErrUnexpectedEOF) && s.isClosing() {
			err = nil // we closed first and the peer hung up without a footer
		}
		s.err = err
		var tail []byte
		var se *Error
		if errors.As(err, &se) {
			tail = appendStreamError(tail, se.Condition, se.Text, se.App)
		}
		var re *RemoteError
		if !errors.As(err, &re) && !errors.Is(err, net.ErrClosed) {
			tail = append(tail, s.footer()...)
		}
		s.tailMu.Lock()
		s.tail = tail
		s.tailMu.Unlock()
		s.ended.Store(true)
		close(s.closing)
		if s.running.Load() {
			s.out.finish() // a writer to send the tail, if none runs
		}
	})
}

func (s *Stream) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// Close ends the stream from our side: everything queued is sent, then
// our footer; Run returns once the peer has closed too, or after
// Config.CloseWait, when the connection is closed.
func (s *Stream) Close() { s.closeWithin(s.cfg.CloseWait, "") }

// Disconnect ends the stream from our side and waits for Run to return
// (the seed's disconnect): everything queued is sent first, unless
// dropQueue is set (the seed's ignore_send_queue); then our footer; then
// it waits up to wait for the peer's footer before it closes the
// connection. reason is kept for DisconnectReason. It returns Run's
// error.
func (s *Stream) Disconnect(wait time.Duration, reason string, dropQueue bool) error {
	if dropQueue {
		s.out.drop()
	}
	s.closeWithin(wait, reason)
	<-s.done
	return s.err
}

// DisconnectReason returns the reason given to Disconnect ("" otherwise).
func (s *Stream) DisconnectReason() string {
	s.tailMu.Lock()
	defer s.tailMu.Unlock()
	return s.reason
}

func (s *Stream) closeWithin(wait time.Duration, reason string) {
	s.endOnce.Do(func() {
		s.tailMu.Lock()
		s.tail = s.footer()
		if m := s.cfg.SM; m != nil && m.Enabled() {
			// Ask for a last acknowledgement before the footer: the
			// peer's answer comes before its own footer, so a clean
			// close leaves nothing unacknowledged.
			s.tail = append([]byte(smAsk), s.tail...)
		}
		s.reason = reason
		s.tailMu.Unlock()
		s.ended.Store(true)
		close(s.closing)
		if s.running.Load() {
			s.out.finish() // a writer to send the footer, if none runs
		}
		t := time.AfterFunc(wait, func() { s.conn.Close() })
		go func() { <-s.done; t.Stop() }()
	})
}

// Abort closes the connection at once, without a footer.
func (s *Stream) Abort() {
	s.end(net.ErrClosed)
	s.conn.Close()
	s.events.Emit(EventKilled, nil)
}

// startWriter starts a writer goroutine (counted by addWriter); the
// send queue calls it when something is to be written and none runs.
func (s *Stream) startWriter() {
	go s.writer() // a func value made once: starting it allocates nothing
}

// addWriter counts a writer the send queue is about to start; it runs
// under the queue's lock, so that Run's wait for the writers sees it.
func (s *Stream) addWriter() { s.writers.Add(1) }

// writeLoop is the writer goroutine: it writes everything queued in
// one call, so under load many stanzas share a syscall and a lone
// stanza leaves at once; when the stream ends it sends what was queued
// before the end and then the tail.
func (s *Stream) writeLoop() {
	for {
		var batch []byte
		final := s.isClosing()
		if final {
			batch = s.out.last()
		} else {
			var exit bool
			if batch, final, exit = s.out.take(s.closing); exit {
				return // idle: the next sender starts another writer
			}
		}
		if final {
			s.tailMu.Lock()
			batch = append(batch, s.tail...)
			s.tailMu.Unlock()
			if len(batch) > 0 {
				s.stats.Writes.Add(1)
				n, _ := s.conn.Write(batch)
				s.countOut(n)
			}
			s.sentTail.Store(true)
			if u := s.out.takeUnsent(); len(u) > 0 {
				s.events.Emit(EventUnsent, u)
			}
			if s.err != nil {
				// Our side ended the stream because of an error: nothing
				// more is coming that we want to read.
				s.conn.Close()
			}
			return
		}
		if err := s.write(batch); err != nil {
			return // the stream is over
		}
	}
}

// dispatchLoop is the dispatcher goroutine: in filters, then handlers.
func (s *Stream) dispatchLoop() {
	for {
		slot, err := s.in.Peek(context.Background())
		if err != nil {
			return
		}
		st := *slot
		s.dispatch(st)
		st.Release()
		s.in.Advance()
	}
}

// Send queues a stanza built in b, which it takes over: the caller must
// not touch b afterwards. Out filters run first (use SendNoFilters to
// skip them). When the queue is full, Send waits until there is room or
// ctx ends.
func (s *Stream) Send(ctx context.Context, b *stanzapool.Buffer) error {
	if b = s.filterOut(b); b == nil {
		return nil
	}
	return s.enqueue(ctx, b.B, nil, b)
}

// SendNoFilters is Send without the out filters (the seed's
// use_filters=False), for resending.
func (s *Stream) SendNoFilters(ctx context.Context, b *stanzapool.Buffer) error {
	return s.enqueue(ctx, b.B, nil, b)
}

// TrySend is Send that fails with ErrQueueFull instead of waiting.
func (s *Stream) TrySend(b *stanzapool.Buffer) error {
	if b = s.filterOut(b); b == nil {
		return nil
	}
	if s.ended.Load() {
		b.Release()
		return ErrClosed
	}
	queued, err := s.out.tryPut(b.B, b)
	if queued || err != nil {
		if queued {
			s.countQueued()
		}
		return err
	}
	b.Release()
	return ErrQueueFull
}

// TrySendRaw is SendRaw that fails with ErrQueueFull instead of
// waiting: for a handler on the reader's goroutine (Config.Inline),
// which must not wait for room that only its next read can make.
func (s *Stream) TrySendRaw(data []byte) error {
	if s.ended.Load() {
		return ErrClosed
	}
	queued, err := s.out.tryPut(data, nil)
	if err != nil {
		return err
	}
	if !queued {
		return ErrQueueFull
	}
	s.countQueued()
	return nil
}

// SendRaw queues a copy of data as it is (the seed's send_raw), without
// filters: a header, a whitespace keepalive, or a serialized stanza.
func (s *Stream) SendRaw(ctx context.Context, data []byte) error {
	return s.enqueue(ctx, data, nil, nil)
}

// SendAppend queues the stanza that build appends to dst, building it
// straight into the send queue: no pooled buffer, no copy. It waits
// for room as Send does and calls build at most once; an error means
// the stanza was not queued. Out filters see the stanza as they see
// what Send is given.
//
// build runs with the queue locked, so it must be quick, must not call
// the Stream's methods (a send from it never returns), and must return
// dst with the stanza appended, as append and the strconv.Append
// functions do (stanza.Builder's ResetAppend then Bytes, for one). If it
// panics, nothing of it is queued, the lock is released, and the panic
// goes on to the caller (in a handler, the exception hook).
// With out filters registered, or stream management (Config.SM), the
// stanza is built into a pooled buffer and sent as with Send.
func (s *Stream) SendAppend(ctx context.Context, build func(dst []byte) []byte) error {
	if s.outFilters.Load() != nil || s.cfg.SM != nil {
		b := s.NewBuffer()
		b.B = build(b.B)
		return s.Send(ctx, b)
	}
	return s.enqueue(ctx, nil, build, nil)
}

// enqueue queues data (or what build appends, when not nil), then gives
// b (if not nil) back for reuse; it waits for room until ctx ends or
// the stream does.
func (s *Stream) enqueue(ctx context.Context, data []byte, build func([]byte) []byte, b *stanzapool.Buffer) error {
	if s.ended.Load() {
		if b != nil {
			b.Release()
		}
		return ErrClosed
	}
	if err := s.out.put(ctx, s.closing, data, build, b); err != nil {
		return err
	}
	s.countQueued()
	return nil
}

// RemoteError is a stream error the peer sent.
type RemoteError struct {
	Condition Condition
	Text      string
}

func (e *RemoteError) Error() string {
	if e.Text == "" {
		return "stream: peer sent stream error " + string(e.Condition)
	}
	return fmt.Sprintf("stream: peer sent stream error %s: %s", e.Condition, e.Text)
}

// Unwrap returns the condition, for errors.Is.
func (e *RemoteError) Unwrap() error { return e.Condition }

const nsStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams"

// RemoteErrorOf reads a received <stream:error> element: its condition
// (undefined-condition if none is given) and its text.
func RemoteErrorOf(e *fastxml.Element) *RemoteError {
	re := &RemoteError{Condition: ErrUndefinedCondition}
	for c := e.Root().FirstElement(); c.Valid(); c = c.NextElement() {
		nm := c.Name()
		if string(nm.Space) != nsStreamErrors {
			continue
		}
		if string(nm.Local) == "text" {
			re.Text = string(c.AppendText(nil))
		} else {
			re.Condition = Condition(nm.Local)
		}
	}
	return re
}

// appendStreamError appends <stream:error> for a condition, with text.
func appendStreamError(dst []byte, c Condition, text, app string) []byte {
	dst = append(dst, "<stream:error><"...)
	dst = append(dst, c...)
	dst = append(dst, " xmlns='"+nsStreamErrors+"'/>"...)
	if text != "" {
		dst = append(dst, "<text xmlns='"+nsStreamErrors+"'>"...)
		dst = stanza.AppendAttrValue(dst, text)
		dst = append(dst, "</text>"...)
	}
	dst = append(dst, app...)
	return append(dst, "</stream:error>"...)
}
