package stream

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stanza"
)

// XEP-0198 stream management. An SM outlives the Streams that use it,
// one after the other: it holds a copy of every stanza sent and not
// yet acknowledged, and the count of stanzas received, so that a new
// Stream can resume the session of one whose connection was lost,
// resending exactly what the server did not get; the server resends
// what we did not acknowledge. The Stream feeds it at two points:
//
//   - the send queue: each stanza is copied into the SM under the
//     queue's lock, so the SM's order is the order on the wire (and a
//     full SM makes Send wait, as a full queue does);
//   - dispatch: before the in filters, <r/> is answered with <a/>, <a/>
//     releases acknowledged stanzas, and each stanza (message, presence,
//     iq) counts as handled.
//
// The negotiation (<enable/>, <resume/>) belongs to the session layer
// (package client), which calls the SM's Append and Handle methods.

// NSSM is XEP-0198's namespace.
const NSSM = "urn:xmpp:sm:3"

// Events of stream management, emitted on the Stream's Events.
const (
	EventSMEnabled     = "sm_enabled"      // <enabled/> received; data: the SM
	EventSessionResume = "session_resumed" // <resumed/> received; data: the SM
	EventStanzaAcked   = "stanza_acked"    // the peer acknowledged stanzas; data: SMAck
	EventSMFailed      = "sm_failed"       // enabling or resuming failed; data: *SMFailure
)

// SMAck is the data of EventStanzaAcked: how many stanzas one <a/>
// acknowledged, and the peer's count after it.
type SMAck struct {
	Count int
	H     uint32
}

// SMFailure is the data of EventSMFailed. Unacked holds the stanzas
// that were sent and never acknowledged, in order: the old session is
// gone, so they are handed back to the application, which may send
// them again on the new session or report them.
type SMFailure struct {
	Condition string // the <failed/> element's condition, e.g. item-not-found
	Unacked   [][]byte
}

// ErrAckTimeout is the error of a stream whose peer left a request for
// an acknowledgement unanswered for SM.AckTimeout.
var ErrAckTimeout = errors.New("stream: the peer acknowledged nothing for SM.AckTimeout: stream management abandoned")

// ErrSMProtocol is the error of an answer to <enable/> or <resume/>
// that XEP-0198 does not allow there, or a refusal to enable (the
// text says which).
var ErrSMProtocol = errors.New("stream: stream management negotiation failed")

// ErrHandledCountTooHigh is the error of a peer that acknowledged more
// stanzas than were sent (XEP-0198 §5): the stream ends with
// undefined-condition and <handled-count-too-high/>.
var ErrHandledCountTooHigh = errors.New("stream: the peer acknowledged more stanzas than were sent")

// SM is the state of XEP-0198 stream management, shared by the
// Streams of one session: set it in Config.SM of each, one Stream at a
// time. The zero value is ready: enable it with the first session's
// negotiation, and every later Stream with the same SM resumes.
//
// A stanza handed to Send while stream management is on is either
// acknowledged by the peer or handed back: by Unacked, by the
// EventSMFailed of a failed resumption, or when resumption resends it.
//
// Prosody 0.12 (mod_c2s with mod_smacks) feeds the connection of a
// resumed session to the XML parser of the session's first connection.
// When a cut left that parser in the middle of a stanza, our resent
// stanzas make it fail (not-well-formed, as seen in Prosody's log: the
// session ends, the next resumption gets <failed/>, and the stanzas
// come back in EventSMFailed). Where the cut fell inside text or between
// child elements, they can instead nest inside the broken stanza, and
// the server would acknowledge nothing more: AckTimeout covers that
// case, with the same hand-back. xmppbench soak counts the fresh
// sessions such a server costs; it lost nothing in our runs.
type SM struct {
	// MaxUnacked bounds the stanzas sent and not yet acknowledged: Send
	// waits, and TrySend fails with ErrQueueFull, while that many are
	// out. Default 4096.
	MaxUnacked int
	// AskEvery is how many stanzas may be sent after our last request
	// for an acknowledgement (<r/>) before we ask again even though the
	// answer is still to come. We also ask whenever no request is
	// outstanding. Default 64.
	AskEvery int
	// AckTimeout is how long a request for an acknowledgement may go
	// unanswered (no <a/> at all) before the session is abandoned: the
	// stream ends with connection-timeout (ErrAckTimeout), the next
	// session starts afresh instead of resuming, and the stanzas still
	// unacknowledged are handed back in its EventSMFailed (condition
	// "ack-timeout"). A peer that reads but never acknowledges is dead
	// to us, or stuck (see Prosody 0.12 in the type's doc). Default
	// 60 s; negative: never.
	AckTimeout time.Duration
	// JID is the full JID of the session, kept by the session layer
	// for a resumption (which binds no resource).
	JID string

	mu        sync.Mutex
	owner     *sendQueue // the Stream whose sends are tracked; others get ErrClosed
	enabled   bool       // <enabled/> was received
	resumable bool
	id        string
	location  string
	max       time.Duration
	handled   uint32    // stanzas received and dispatched: our h
	sent      uint32    // stanzas sent: the sequence number of the last one
	acked     uint32    // the peer's last h
	asked     uint32    // sent when we last asked
	asking    bool      // an <r/> is out without its <a/>
	resend    bool      // a resumption is to resend the unacked stanzas
	waitSince time.Time // asking: since when we wait for an <a/>
	abandoned string    // why the session may not be resumed ("" if it may)
	buf       []byte    // the unacked stanzas, back to back, from off
	off       int
	lens      []int // the unacked stanzas' lengths, from head
	head      int
}

func (m *SM) maxUnacked() int {
	if m.MaxUnacked > 0 {
		return m.MaxUnacked
	}
	return 4096
}

func (m *SM) askEvery() uint32 {
	if m.AskEvery > 0 {
		return uint32(m.AskEvery)
	}
	return 64
}

// Enabled reports whether stream management is on: <enabled/> was
// received, and no failure since.
func (m *SM) Enabled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.enabled
}

// Resumable reports whether the session may be resumed: the peer said
// so in <enabled/>.
func (m *SM) Resumable() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.enabled && m.resumable && m.id != "" && m.abandoned == ""
}

// ID returns the session's id for resumption, and Location the
// preferred address to resume at ("" when the server gave none).
func (m *SM) ID() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.id
}

// Location returns where the server prefers the session to be resumed
// (host:port), "" for the same place.
func (m *SM) Location() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.location
}

// Max returns the longest the server keeps the session for resumption,
// 0 when it did not say.
func (m *SM) Max() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.max
}

// Counts returns the counters: stanzas handled (our h), sent, and
// acknowledged by the peer (its h). They wrap at 2^32.
func (m *SM) Counts() (handled, sent, acked uint32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.handled, m.sent, m.acked
}

// Unacked returns copies of the stanzas sent and not yet acknowledged,
// in the order they were sent.
func (m *SM) Unacked() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.unackedLocked()
}

func (m *SM) unackedLocked() [][]byte {
	out := make([][]byte, 0, len(m.lens)-m.head)
	p := m.off
	for _, n := range m.lens[m.head:] {
		out = append(out, append([]byte(nil), m.buf[p:p+n]...))
		p += n
	}
	return out
}

// pendingLocked is how many stanzas are unacked.
func (m *SM) pendingLocked() int { return len(m.lens) - m.head }

// reset forgets the session: counters, id and the unacked stanzas.
func (m *SM) resetLocked() {
	m.enabled, m.resumable, m.resend, m.asking = false, false, false, false
	m.abandoned = ""
	m.id, m.location, m.max = "", "", 0
	m.handled, m.sent, m.acked, m.asked = 0, 0, 0, 0
	m.buf, m.off, m.lens, m.head = m.buf[:0], 0, m.lens[:0], 0
}

// AppendEnable appends the request to enable stream management with
// resumption (sent after resource binding).
func (m *SM) AppendEnable(dst []byte) []byte {
	return append(dst, "<enable xmlns='"+NSSM+"' resume='true'/>"...)
}

// AppendResume appends the request to resume the previous session
// (sent after authentication, instead of binding): its id and our h.
// It is only meaningful when Resumable reports true.
func (m *SM) AppendResume(dst []byte) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	dst = append(dst, "<resume xmlns='"+NSSM+"' previd='"...)
	dst = stanza.AppendAttrValue(dst, m.id)
	dst = append(dst, "' h='"...)
	dst = strconv.AppendUint(dst, uint64(m.handled), 10)
	return append(dst, "'/>"...)
}

// HandleEnabled takes the peer's answer to AppendEnable's request:
// <enabled/> starts a fresh session (every counter at 0); <failed/>
// is returned as an error. Stanzas still unacked from an older session
// are handed back in an EventSMFailed on ev first.
func (m *SM) HandleEnabled(n fastxml.Node, ev *Events) error {
	if n.Is(NSSM, "failed") {
		return fmt.Errorf("%w: the server refused to enable it: %s", ErrSMProtocol, failedCondition(n))
	}
	if !n.Is(NSSM, "enabled") {
		return fmt.Errorf("%w: expected <enabled/>, got <%s>", ErrSMProtocol, n.Local())
	}
	m.mu.Lock()
	var old [][]byte
	why := m.abandoned
	if why == "" {
		why = "session-replaced"
	}
	if m.pendingLocked() > 0 {
		old = m.unackedLocked()
	}
	m.resetLocked()
	m.enabled = true
	if id, ok := n.Attr("", "id"); ok {
		m.id = string(id.AppendValue(nil))
	}
	if r, ok := n.Attr("", "resume"); ok {
		v := string(r.Raw())
		m.resumable = v == "true" || v == "1"
	}
	if l, ok := n.Attr("", "location"); ok {
		m.location = string(l.AppendValue(nil))
	}
	if x, ok := n.Attr("", "max"); ok {
		if s, err := strconv.ParseUint(string(x.Raw()), 10, 32); err == nil {
			m.max = time.Duration(s) * time.Second
		}
	}
	m.mu.Unlock()
	if old != nil && ev != nil {
		ev.Emit(EventSMFailed, &SMFailure{Condition: why, Unacked: old})
	}
	if ev != nil {
		ev.Emit(EventSMEnabled, m)
	}
	return nil
}

// HandleResumed takes the peer's answer to AppendResume's request. On
// <resumed h='…'/> the stanzas the peer acknowledged are released and
// the rest will be resent first by the next Stream that uses the SM;
// it returns true. On <failed/> the old session is gone: the unacked
// stanzas (less those its h, if any, acknowledges) are handed back in
// an EventSMFailed on ev, the SM is reset for a fresh session, and it
// returns false and no error. An h above what was sent is
// ErrHandledCountTooHigh.
func (m *SM) HandleResumed(n fastxml.Node, ev *Events) (bool, error) {
	h, hasH := attrUint32(n, "h")
	switch {
	case n.Is(NSSM, "resumed"):
		if !hasH {
			return false, fmt.Errorf("%w: <resumed/> without a valid h", ErrSMProtocol)
		}
		m.mu.Lock()
		_, err := m.ackLocked(h)
		if err == nil {
			m.resend = m.pendingLocked() > 0
			m.asking = false
			m.asked = m.sent
		}
		m.mu.Unlock()
		if err != nil {
			return false, err
		}
		if ev != nil {
			ev.Emit(EventSessionResume, m)
		}
		return true, nil
	case n.Is(NSSM, "failed"):
		m.mu.Lock()
		if hasH {
			m.ackLocked(h) // a count too high acknowledges everything: all is handed back either way
		}
		f := &SMFailure{Condition: failedCondition(n), Unacked: m.unackedLocked()}
		m.resetLocked()
		m.mu.Unlock()
		if ev != nil {
			ev.Emit(EventSMFailed, f)
		}
		return false, nil
	}
	return false, fmt.Errorf("%w: expected <resumed/> or <failed/>, got <%s>", ErrSMProtocol, n.Local())
}

// TakeUnacked returns the stanzas sent and not acknowledged, and
// forgets them and the session: for an application that will not
// resume (after the last Stream ended), so that nothing it sent is
// left unaccounted for.
func (m *SM) TakeUnacked() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.unackedLocked()
	m.resetLocked()
	return u
}

// failedCondition names the condition inside <failed/>.
func failedCondition(n fastxml.Node) string {
	if c := n.FirstElement(); c.Valid() {
		return string(c.Local())
	}
	return "undefined-condition"
}

// attrUint32 parses an attribute as a decimal uint32, without
// allocating.
func attrUint32(n fastxml.Node, name string) (uint32, bool) {
	a, ok := n.Attr("", name)
	if !ok {
		return 0, false
	}
	var scratch [16]byte
	raw := a.Value(scratch[:0]) // decoded: h='&#49;' is 1
	if len(raw) == 0 || len(raw) > 10 {
		return 0, false
	}
	var v uint64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > 1<<32-1 {
		return 0, false
	}
	return uint32(v), true
}

// ackLocked takes the peer's h: the stanzas up to it are released. It
// returns how many were. h counts modulo 2^32, so the comparison is on
// the distance from the last h: more than is outstanding is an error.
func (m *SM) ackLocked(h uint32) (int, error) {
	n := h - m.acked
	if int64(n) > int64(m.pendingLocked()) {
		return 0, &Error{Condition: ErrUndefinedCondition, Offset: -1, Err: ErrHandledCountTooHigh,
			Text: fmt.Sprintf("the peer acknowledged %d stanzas, but %d were sent", h, m.sent),
			App:  fmt.Sprintf("<handled-count-too-high xmlns='%s' h='%d' send-count='%d'/>", NSSM, h, m.sent)}
	}
	for range n {
		m.off += m.lens[m.head]
		m.head++
	}
	m.acked = h
	if m.head == len(m.lens) { // all acknowledged: start over at the front
		m.buf, m.off, m.lens, m.head = m.buf[:0], 0, m.lens[:0], 0
	} else if m.head > 1024 && m.head > len(m.lens)/2 { // keep the memory bounded
		m.buf = m.buf[:copy(m.buf, m.buf[m.off:])]
		m.off = 0
		m.lens = m.lens[:copy(m.lens, m.lens[m.head:])]
		m.head = 0
	}
	return int(n), nil
}

// attach makes q the queue whose stanzas are tracked, and returns the
// stanzas a resumption resends (nil if none), and where each ends.
func (m *SM) attach(q *sendQueue) (resend []byte, ends []int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.owner = q
	if !m.resend {
		return nil, nil
	}
	m.resend = false
	end := 0
	for _, n := range m.lens[m.head:] {
		end += n
		ends = append(ends, end)
	}
	resend = append([]byte(nil), m.buf[m.off:]...)
	// The resent stanzas ask for their acknowledgement, with the ack
	// timer running: a server that lost them (Prosody 0.12 can, when a
	// cut left its parser inside a stanza) would otherwise leave them
	// unacknowledged, and the session stalled, for as long as nothing
	// new is sent. The <r/> goes with the last of them.
	resend = append(resend, smAsk...)
	ends[len(ends)-1] = len(resend)
	m.asking, m.asked, m.waitSince = true, m.sent, time.Now()
	return resend, ends
}

// trackLocked records a stanza queued on q, under q's lock, and
// reports whether to ask for an acknowledgement after it. Data that is
// not a stanza (whitespace, a nonza) is not counted. It fails with
// ErrClosed when q is not the SM's current queue (its Stream was
// replaced by a resumption) and reports full when MaxUnacked stanzas
// are out.
func (m *SM) trackLocked(q *sendQueue, data []byte) (ask, full bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owner != q {
		return false, false, ErrClosed
	}
	if !m.enabled || !isStanza(data) {
		return false, false, nil
	}
	if m.pendingLocked() >= m.maxUnacked() {
		return false, true, nil
	}
	m.buf = append(m.buf, data...)
	m.lens = append(m.lens, len(data))
	m.sent++
	if !m.asking || m.sent-m.asked >= m.askEvery() {
		if !m.asking {
			m.waitSince = time.Now()
		}
		m.asking, m.asked = true, m.sent
		ask = true
	}
	return ask, false, nil
}

// full reports whether MaxUnacked stanzas are out.
func (m *SM) full() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.enabled && m.pendingLocked() >= m.maxUnacked()
}

// smAsk is the request for an acknowledgement.
const smAsk = "<r xmlns='" + NSSM + "'/>"

// isStanza reports whether data starts with a stanza: <message,
// <presence or <iq, after any whitespace. (A stanza written with a
// namespace prefix is not recognised: send stanzas in the default
// namespace.)
func isStanza(data []byte) bool {
	i := 0
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	data = data[i:]
	for _, name := range [...]string{"<message", "<presence", "<iq"} {
		if len(data) > len(name) && string(data[:len(name)]) == name {
			switch data[len(name)] {
			case ' ', '\t', '\r', '\n', '/', '>':
				return true
			}
		}
	}
	return false
}

// smReceived is dispatch's first step with stream management: it
// answers <r/>, takes <a/>, and counts stanzas. It reports whether st
// was a stream management element, which is not dispatched further.
func (s *Stream) smReceived(st *Stanza) bool {
	m := s.cfg.SM
	root := st.Root()
	if string(root.Space()) != NSSM {
		if isStanzaName(root.Local()) {
			m.mu.Lock()
			if m.enabled {
				m.handled++
			}
			m.mu.Unlock()
		}
		return false
	}
	switch string(root.Local()) {
	case "r":
		m.mu.Lock()
		h := m.handled
		m.mu.Unlock()
		var b [64]byte
		a := append(b[:0], "<a xmlns='"+NSSM+"' h='"...)
		a = strconv.AppendUint(a, uint64(h), 10)
		a = append(a, "'/>"...)
		s.out.putProto(a)
	case "a":
		h, ok := attrUint32(root, "h")
		if !ok {
			s.end(&Error{Condition: ErrInvalidXML, Offset: -1, Text: "<a/> without a valid h"})
			return true
		}
		m.mu.Lock()
		n, err := m.ackLocked(h)
		m.asking = m.sent != h // the answer to our last request, unless more went out since
		if !m.asking {
			m.asked = m.sent
		}
		m.waitSince = time.Now() // the peer is making progress
		m.mu.Unlock()
		if err != nil {
			s.end(err)
			return true
		}
		if n > 0 {
			s.out.roomMade()
			if s.events.Count(EventStanzaAcked) > 0 {
				s.events.Emit(EventStanzaAcked, SMAck{Count: n, H: h})
			}
		}
	}
	return true
}

// isStanzaName reports whether a first-level element is a stanza.
func isStanzaName(local []byte) bool {
	switch string(local) {
	case "message", "presence", "iq":
		return true
	}
	return false
}

func (m *SM) ackTimeout() time.Duration {
	if m.AckTimeout == 0 {
		return time.Minute
	}
	return max(m.AckTimeout, 0)
}

// overdue reports whether a request for an acknowledgement has gone
// unanswered for AckTimeout; if so, the session is abandoned: it will
// not be resumed.
func (m *SM) overdue() bool {
	t := m.ackTimeout()
	m.mu.Lock()
	defer m.mu.Unlock()
	if t <= 0 || !m.enabled || !m.asking || time.Since(m.waitSince) < t {
		return false
	}
	m.abandoned = "ack-timeout"
	return true
}
