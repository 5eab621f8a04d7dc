package stream

import (
	"context"
	"sync/atomic"
	"time"
)

// Keepalive and dead-peer detection. The reader and the writers stamp
// the time of their last I/O; one timer per stream (only when either
// feature is on) looks at the stamps: after KeepAlive without a write
// it sends a single space (the seed's whitespace keepalive); after half
// of IdleTimeout without a read it can ask the peer for an XEP-0199
// ping, so that a live peer answers; after IdleTimeout without a read
// the peer is dead, and the stream ends with connection-timeout. With
// stream management the same timer ends a stream whose peer leaves our
// request for an acknowledgement unanswered for SM.AckTimeout.

// liveness holds the stamps, in nanoseconds since the stream's epoch
// (monotonic).
type liveness struct {
	epoch     time.Time
	lastRead  atomic.Int64
	lastWrite atomic.Int64
	pinged    atomic.Bool
	timer     *time.Timer
}

func (l *liveness) now() int64 { return int64(time.Since(l.epoch)) }

// sawRead and wrote stamp I/O.
func (s *Stream) sawRead() { s.live.lastRead.Store(s.live.now()); s.live.pinged.Store(false) }
func (s *Stream) wrote()   { s.live.lastWrite.Store(s.live.now()) }

// tick is the timer's period: often enough for both features.
func (s *Stream) tick() time.Duration {
	t := time.Duration(0)
	var ack time.Duration
	if s.cfg.SM != nil {
		ack = s.cfg.SM.ackTimeout() / 4
	}
	for _, d := range []time.Duration{s.cfg.KeepAlive, s.cfg.IdleTimeout / 4, ack} {
		if d > 0 && (t == 0 || d < t) {
			t = d
		}
	}
	return t
}

// startLiveness arms the timer, if a feature is on. (The epoch is set
// by New, before any goroutine stamps.)
func (s *Stream) startLiveness() {
	t := s.tick()
	if t <= 0 {
		return
	}
	// Armed only once the field is set: the callback reads it.
	s.live.timer = time.AfterFunc(time.Hour, s.checkLiveness)
	s.live.timer.Reset(t)
}

func (s *Stream) stopLiveness() {
	if s.live.timer != nil {
		s.live.timer.Stop()
	}
}

func (s *Stream) checkLiveness() {
	if s.isClosing() {
		return
	}
	now := s.live.now()
	silent := time.Duration(now - s.live.lastRead.Load())
	if idle := s.cfg.IdleTimeout; idle > 0 {
		if silent >= idle {
			s.end(&Error{Condition: ErrConnectionTimeout, Text: "no data from the peer for " + idle.String()})
			return
		}
		if s.cfg.PingIdle && silent >= idle/2 && !s.live.pinged.Swap(true) {
			ping := append([]byte("<iq type='get' id='"), s.AppendID(nil)...)
			ping = append(ping, "'><ping xmlns='urn:xmpp:ping'/></iq>"...)
			s.SendRaw(context.Background(), ping)
		}
	}
	if m := s.cfg.SM; m != nil && m.overdue() {
		s.end(&Error{Condition: ErrConnectionTimeout, Offset: -1, Err: ErrAckTimeout,
			Text: "no acknowledgement from the peer for " + m.ackTimeout().String()})
		return
	}
	if ka := s.cfg.KeepAlive; ka > 0 && time.Duration(now-s.live.lastWrite.Load()) >= ka {
		s.SendRaw(context.Background(), []byte(" "))
	}
	s.live.timer.Reset(s.tick())
}
