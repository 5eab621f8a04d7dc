package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/xmpptest"
	"github.com/xmppcore/xmppcore/stream"
)

// Each wait is between half and all of its nominal value, which
// doubles from Min up to Max.
func TestBackoffDelays(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: 2 * time.Second}
	nominal := []time.Duration{100, 200, 400, 800, 1600, 2000, 2000, 2000}
	for n, nom := range nominal {
		nom *= time.Millisecond
		for i := 0; i < 200; i++ {
			if d := b.delay(n); d < nom/2 || d > nom {
				t.Fatalf("delay(%d) = %v, want within [%v, %v]", n, d, nom/2, nom)
			}
		}
	}
}

// A server that keeps failing is retried with growing waits, each
// announced as reconnect_delay; ctx ends it with nil.
func TestReconnectBacksOff(t *testing.T) {
	var events stream.Events
	var delays []time.Duration
	events.On(EventReconnectDelay, func(d any) { delays = append(delays, d.(time.Duration)) })
	ctx, cancel := context.WithCancel(context.Background())
	attempts := 0
	dial := func(context.Context) (*Session, error) {
		if attempts++; attempts == 5 {
			cancel()
		}
		return nil, errors.New("connection refused")
	}
	err := reconnect(ctx, Config{Stream: stream.Config{Events: &events}}, Backoff{Min: time.Millisecond, Max: 4 * time.Millisecond}, dial, nil)
	if err != nil || attempts != 5 {
		t.Fatalf("reconnect: %v after %d attempts", err, attempts)
	}
	for i, d := range delays {
		nom := min(time.Millisecond<<i, 4*time.Millisecond)
		if d < nom/2 || d > nom {
			t.Errorf("wait %d: %v, want within [%v, %v]", i, d, nom/2, nom)
		}
	}
	if len(delays) != 4 {
		t.Errorf("%d waits for 5 attempts", len(delays))
	}
}

// Against Prosody: a session whose connection breaks is replaced by a
// new one after a reconnect_delay; a wrong password is not retried.
func TestReconnectProsody(t *testing.T) {
	srv := xmpptest.StartProsody(t)
	alice := srv.Users[0]
	var events stream.Events
	var waits atomic.Int32
	events.On(EventReconnectDelay, func(any) { waits.Add(1) })
	cfg := Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile, Stream: stream.Config{Events: &events}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sessions := 0
	err := Reconnect(ctx, cfg, Backoff{Min: 10 * time.Millisecond}, func(s *Session) {
		sessions++
		if sessions == 1 {
			s.Conn().Close() // the network breaks under the first session
		} else {
			cancel() // the second one is the proof; done
		}
	})
	if err != nil || sessions != 2 || waits.Load() != 1 {
		t.Fatalf("Reconnect: %v, %d sessions, %d waits", err, sessions, waits.Load())
	}

	cfg.Password = "wrong"
	waits.Store(0)
	err = Reconnect(context.Background(), cfg, Backoff{Min: 10 * time.Millisecond}, func(*Session) {})
	var se *SASLError
	if !errors.As(err, &se) || waits.Load() != 0 {
		t.Fatalf("wrong password: %v after %d waits", err, waits.Load())
	}
}

// A TLS handshake cut by the network is retried; a certificate the
// client refused, a SASL failure or a proxy refusal is not.
func TestReconnectPermanentErrors(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&TLSError{Cause: "handshake failed", Err: reset}, false},
		{&TLSError{Cause: "handshake failed", Err: io.EOF}, false},
		{&TLSError{Cause: "unknown authority", Err: x509.UnknownAuthorityError{}}, true},
		{&TLSError{Cause: "alert from the server", Err: tls.AlertError(40)}, true},
		{&SASLError{Condition: "not-authorized"}, true},
		{&ProxyError{}, true},
		{ErrNoStartTLS, true},
		{ErrNoStreamManagement, true},
		{fmt.Errorf("%w (%w)", ErrServerClosed, io.ErrUnexpectedEOF), false},
		{reset, false},
	} {
		if got := permanent(c.err); got != c.want {
			t.Errorf("permanent(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
