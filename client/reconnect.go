package client

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"github.com/xmppcore/xmppcore/stream"
)

// EventReconnectDelay is emitted on Config.Stream.Events before each
// wait between connection attempts (the seed's reconnect_delay); data:
// the time.Duration of the wait.
const EventReconnectDelay = "reconnect_delay"

// Backoff is the wait between connection attempts: exponential with
// jitter, capped. The zero value waits 1 s, then doubles up to 5 min,
// each wait drawn between half and all of its nominal value.
type Backoff struct {
	Min, Max time.Duration
	// Stable is how long a session must last for the next failure to
	// start again from Min; a session that keeps dying young keeps
	// backing off (no flapping). Default 1 min.
	Stable time.Duration
}

func (b Backoff) min() time.Duration {
	if b.Min > 0 {
		return b.Min
	}
	return time.Second
}

func (b Backoff) max() time.Duration {
	if b.Max > 0 {
		return b.Max
	}
	return 5 * time.Minute
}

func (b Backoff) stable() time.Duration {
	if b.Stable > 0 {
		return b.Stable
	}
	return time.Minute
}

// delay returns the wait before attempt n (0 is the first retry).
func (b Backoff) delay(n int) time.Duration {
	d := b.min()
	for i := 0; i < n && d < b.max(); i++ {
		d *= 2
	}
	d = min(d, b.max())
	return d/2 + rand.N(d/2+1) // jitter: between half and all of it
}

// Reconnect keeps a session up until ctx ends: it dials, hands each new
// session to setup (register handlers there; send presence), runs it,
// and when the session ends with an error it dials again after a
// Backoff delay. It returns when ctx ends (nil), when a session ends
// cleanly because the server closed it (nil), or on an error that
// retrying cannot fix: a SASL failure, or a certificate the client
// refused. Queued stanzas of a broken session are not carried over
// by Reconnect itself: with Config.StreamManagement, send through an
// Outbox (Use as setup), which does.
//
// Every session shares cfg.Stream.Events (one is made if nil): register
// event handlers there once, before Reconnect, not in setup. Likewise
// cfg.Stream.Metrics, if set, counts every session, and each reconnect.
func Reconnect(ctx context.Context, cfg Config, b Backoff, setup func(*Session)) error {
	if cfg.Stream.Events == nil {
		cfg.Stream.Events = new(stream.Events)
	}
	dial := func(ctx context.Context) (*Session, error) { return Dial(ctx, cfg) }
	return reconnect(ctx, cfg, b, dial, setup)
}

func reconnect(ctx context.Context, cfg Config, b Backoff, dial func(context.Context) (*Session, error), setup func(*Session)) error {
	events := cfg.Stream.Events
	failures := 0
	for {
		sess, err := dial(ctx)
		if err == nil {
			setup(sess)
			start := time.Now()
			err = sess.Run(ctx)
			if err == nil || ctx.Err() != nil {
				return nil
			}
			if time.Since(start) >= b.stable() {
				failures = 0
			}
		} else if ctx.Err() != nil {
			return nil
		} else if permanent(err) {
			return err
		}
		d := b.delay(failures)
		failures++
		if events != nil {
			events.Emit(EventReconnectDelay, d)
		}
		if m := cfg.Stream.Metrics; m != nil {
			m.Reconnects.Inc()
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil
		}
	}
}

// permanent reports whether retrying cannot fix err. A TLS handshake
// that failed because the connection broke (a reset, an early end, a
// timeout) is not a refusal, and is retried.
func permanent(err error) bool {
	var se *SASLError
	var te *TLSError
	var pe *ProxyError
	if errors.As(err, &te) && brokenConn(te.Err) {
		return false
	}
	return errors.As(err, &se) || errors.As(err, &te) || errors.As(err, &pe) ||
		errors.Is(err, ErrNoMechanism) || errors.Is(err, ErrNoStartTLS) || errors.Is(err, ErrPlainInClear) ||
		errors.Is(err, ErrNoStreamManagement)
}

// brokenConn reports whether err is the connection failing rather than
// the peer refusing.
func brokenConn(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &oe) || errors.As(err, &ne) && ne.Timeout()
}
