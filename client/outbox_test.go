package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/stream"
)

// fakeSession takes stanzas until it has taken accept of them; the
// next is held until release says whether it is refused (the session
// ended) or taken.
type fakeSession struct {
	mu      sync.Mutex
	got     []string
	accept  int
	dead    bool          // refuses everything (ErrClosed)
	holding chan struct{} // closed when a stanza is held
	release chan error
}

func newFakeSession(accept int) *fakeSession {
	return &fakeSession{accept: accept, holding: make(chan struct{}), release: make(chan error, 1)}
}

func (f *fakeSession) SendRaw(_ context.Context, raw []byte) error {
	f.mu.Lock()
	if f.dead {
		f.mu.Unlock()
		return stream.ErrClosed
	}
	if len(f.got) < f.accept {
		f.got = append(f.got, string(raw))
		f.mu.Unlock()
		return nil
	}
	f.mu.Unlock()
	close(f.holding)
	err := <-f.release
	if err == nil {
		f.mu.Lock()
		f.got = append(f.got, string(raw))
		f.mu.Unlock()
	}
	return err
}

func (f *fakeSession) taken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.got, " ")
}

func msgs(ids ...int) [][]byte {
	var out [][]byte
	for _, i := range ids {
		out = append(out, []byte(fmt.Sprint("m", i)))
	}
	return out
}

// A stanza the ended session refused goes to the next session after
// what the failed resumption handed back, whichever of the two the
// Outbox learns first, and before anything newer: the next session
// gets everything in the order first sent.
func TestOutboxOrderAcrossSessions(t *testing.T) {
	for _, handBackFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("handBackFirst=%v", handBackFirst), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			events := new(stream.Events)
			o := NewOutbox(events, 0)
			a := newFakeSession(3) // takes m0 m1 m2; m3 is held
			o.use(a)
			for _, m := range msgs(0, 1, 2, 3, 4, 5) {
				if err := o.Send(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			<-a.holding
			// The connection is lost: m1 and m2 were never acknowledged,
			// and the next session cannot resume.
			failure := &stream.SMFailure{Condition: "item-not-found", Unacked: msgs(1, 2)}
			if handBackFirst {
				events.Emit(stream.EventSMFailed, failure)
				a.release <- stream.ErrClosed
			} else {
				a.release <- stream.ErrClosed
				waitFor(t, func() bool { return o.Pending() == 3 }) // m3 back, with m4 m5
				events.Emit(stream.EventSMFailed, failure)
			}
			b := newFakeSession(100)
			o.use(b)
			if err := o.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			if got, want := a.taken(), "m0 m1 m2"; got != want {
				t.Errorf("first session took %q, want %q", got, want)
			}
			if got, want := b.taken(), "m1 m2 m3 m4 m5"; got != want {
				t.Errorf("next session took %q, want %q", got, want)
			}
			if got := o.Sent(); got != 8 {
				t.Errorf("Sent() = %d, want 8", got)
			}
		})
	}
}

// What a failed resumption hands back may first be tried on the old
// session, not yet known to be gone: refused there, it stays in order.
func TestOutboxHandBackRefusedByDeadSession(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	events := new(stream.Events)
	o := NewOutbox(events, 0)
	a := newFakeSession(100)
	o.use(a)
	for _, m := range msgs(0, 1, 2) {
		o.Send(ctx, m)
	}
	if err := o.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	a.dead = true
	a.mu.Unlock()
	events.Emit(stream.EventSMFailed, &stream.SMFailure{Condition: "item-not-found", Unacked: msgs(1, 2)})
	waitFor(t, func() bool {
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.sess == nil && !o.busy // a refused one: it waits for a session
	})
	for _, m := range msgs(3, 4) {
		o.Send(ctx, m)
	}
	b := newFakeSession(100)
	o.use(b)
	if err := o.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := b.taken(), "m1 m2 m3 m4"; got != want {
		t.Errorf("next session took %q, want %q", got, want)
	}
}

// Send waits while the Outbox holds its maximum (no session yet), up
// to its context; Close hands back what is pending, and ends Send and
// Wait.
func TestOutboxBoundAndClose(t *testing.T) {
	events := new(stream.Events)
	o := NewOutbox(events, 2)
	ctx := context.Background()
	for _, m := range msgs(0, 1) {
		if err := o.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := o.Send(short, []byte("m2")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send on a full Outbox: %v, want the context's deadline", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- o.Wait(ctx) }()
	left := o.Close()
	if len(left) != 2 || string(left[0]) != "m0" || string(left[1]) != "m1" {
		t.Fatalf("Close returned %q, want m0 m1", left)
	}
	if err := <-waited; !errors.Is(err, ErrOutboxClosed) {
		t.Fatalf("Wait after Close: %v", err)
	}
	if err := o.Send(ctx, []byte("m3")); !errors.Is(err, ErrOutboxClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	if n := events.Count(stream.EventSMFailed); n != 0 {
		t.Fatalf("%d sm_failed handlers left on the hub after Close, want 0", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
