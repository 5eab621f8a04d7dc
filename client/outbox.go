package client

import (
	"context"
	"errors"
	"sync"

	"github.com/xmppcore/xmppcore/stream"
)

// Outbox sends stanzas over the sessions Reconnect keeps up, with
// stream management (Config.StreamManagement), so that every stanza
// given to Send reaches the server once, in the order given, across
// lost connections:
//
//   - a stanza that a session refuses because it has ended is sent on
//     the next one;
//   - the stanzas a failed resumption hands back (stream.EventSMFailed:
//     sent, never acknowledged) are sent again on the next session,
//     before anything newer;
//   - a resumed session resends what the server had not acknowledged
//     by itself (stream.SM).
//
// An acknowledgement that the cut lost can still make a handed-back
// stanza arrive twice: XEP-0198 cannot tell that apart from one the
// server never got.
//
// Its goroutine sends in the background, while something is pending
// and a session is there; Send only queues. Every session must share
// one event hub (Config.Stream.Events, as Reconnect arranges): the
// Outbox takes back what EventSMFailed hands back on it, so send
// everything on those sessions through the Outbox.
//
//	events := new(stream.Events)
//	cfg.Stream.Events = events
//	cfg.StreamManagement = &stream.SM{}
//	out := client.NewOutbox(events, 0)
//	go client.Reconnect(ctx, cfg, client.Backoff{}, out.Use)
//	out.Send(ctx, msg)
type Outbox struct {
	max    int // most stanzas pending before Send waits
	events *stream.Events
	onFail stream.EventID

	mu      sync.Mutex
	pending [][]byte // oldest first
	handed  int      // pending[:handed] came back from a failed resumption
	backNow int      // of those, how many came back while a stanza was out
	sess    sender   // the session to send on; nil while there is none
	running bool     // the sending goroutine runs
	busy    bool     // it holds a stanza it took from pending
	closed  bool
	sent    uint64        // stanzas a session took
	changed chan struct{} // closed, and replaced, on every change
}

// sender is what the Outbox needs of a Session (tests use a fake).
type sender interface {
	SendRaw(ctx context.Context, raw []byte) error
}

// ErrOutboxClosed is returned by Send and Wait once Close was called.
var ErrOutboxClosed = errors.New("client: outbox closed")

// NewOutbox returns an Outbox that takes back what failed resumptions
// hand back on events (the sessions' Config.Stream.Events; with nil,
// nothing comes back). limit bounds the stanzas pending before Send
// waits; 0 means 4096.
func NewOutbox(events *stream.Events, limit int) *Outbox {
	if limit <= 0 {
		limit = 4096
	}
	o := &Outbox{max: limit, events: events, changed: make(chan struct{})}
	if events != nil {
		o.onFail = events.On(stream.EventSMFailed, func(data any) {
			if f, ok := data.(*stream.SMFailure); ok {
				o.handBack(f.Unacked)
			}
		})
	}
	return o
}

// Use makes s the session to send on: pass it (or call it from) the
// setup function of Reconnect.
func (o *Outbox) Use(s *Session) { o.use(s) }

func (o *Outbox) use(s sender) {
	o.mu.Lock()
	o.sess = s
	o.startLocked()
	o.changedLocked()
	o.mu.Unlock()
}

// Send queues raw, one whole stanza, behind everything sent before it.
// The Outbox keeps raw: do not change it afterwards. It waits while
// the Outbox holds its maximum, until ctx ends.
func (o *Outbox) Send(ctx context.Context, raw []byte) error {
	o.mu.Lock()
	for len(o.pending) >= o.max && !o.closed {
		ch := o.changed
		o.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		o.mu.Lock()
	}
	defer o.mu.Unlock()
	if o.closed {
		return ErrOutboxClosed
	}
	o.pending = append(o.pending, raw)
	o.startLocked()
	return nil
}

// Wait returns once every stanza sent so far (and every one handed
// back since) has been taken by a session, or when ctx ends.
func (o *Outbox) Wait(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for (len(o.pending) > 0 || o.busy) && !o.closed {
		ch := o.changed
		o.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			o.mu.Lock()
			return ctx.Err()
		}
		o.mu.Lock()
	}
	if o.closed {
		return ErrOutboxClosed
	}
	return nil
}

// Pending returns how many stanzas wait for a session.
func (o *Outbox) Pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.pending)
}

// Sent returns how many stanzas sessions have taken, resends included.
func (o *Outbox) Sent() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent
}

// Close stops sending. What is still pending is returned, oldest first,
// for the application to keep; Send and Wait return ErrOutboxClosed
// from now on. A stanza being handed to a session as Close is called
// is not among those returned.
func (o *Outbox) Close() [][]byte {
	if o.events != nil {
		o.events.Off(o.onFail)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	left := o.pending
	o.pending, o.handed = nil, 0
	o.changedLocked()
	return left
}

// handBack puts what a failed resumption handed back before everything
// pending: those stanzas were taken by a session before any of them.
func (o *Outbox) handBack(unacked [][]byte) {
	if len(unacked) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	o.pending = append(append(make([][]byte, 0, len(unacked)+len(o.pending)), unacked...), o.pending...)
	o.handed += len(unacked)
	if o.busy {
		o.backNow += len(unacked)
	}
	o.startLocked()
	o.changedLocked()
}

func (o *Outbox) changedLocked() {
	close(o.changed)
	o.changed = make(chan struct{})
}

// startLocked starts the sending goroutine if there is work and none
// runs.
func (o *Outbox) startLocked() {
	if o.running || o.closed || len(o.pending) == 0 {
		return
	}
	o.running = true
	go o.run()
}

// run sends what is pending, oldest first, on the current session, and
// ends when nothing is pending or the Outbox is closed.
func (o *Outbox) run() {
	o.mu.Lock()
	for {
		for o.sess == nil && !o.closed && len(o.pending) > 0 {
			ch := o.changed
			o.mu.Unlock()
			<-ch // a session, a hand-back or Close
			o.mu.Lock()
		}
		if o.closed || len(o.pending) == 0 {
			o.running = false
			o.changedLocked()
			o.mu.Unlock()
			return
		}
		msg, s := o.pending[0], o.sess
		o.pending[0] = nil
		o.pending = o.pending[1:]
		wasHanded := o.handed > 0
		if wasHanded {
			o.handed--
		}
		o.busy, o.backNow = true, 0
		o.changedLocked() // room for a waiting Send
		o.mu.Unlock()

		// Back-pressure (the session's queue, stream.SM.MaxUnacked)
		// waits here; a session that ends refuses with ErrClosed.
		err := s.SendRaw(context.Background(), msg)

		o.mu.Lock()
		o.busy = false
		if err == nil {
			o.sent++
		} else if !o.closed {
			// Not taken: first again, but after what a failed
			// resumption handed back meanwhile (taken by a session, so
			// sent before it). Wait for the next session.
			o.pending = append(o.pending, nil)
			copy(o.pending[o.backNow+1:], o.pending[o.backNow:])
			o.pending[o.backNow] = msg
			if wasHanded {
				o.handed++
			}
			if o.sess == s {
				o.sess = nil
			}
		}
		o.changedLocked()
	}
}
