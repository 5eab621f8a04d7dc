package client

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/faultproxy"
	"github.com/xmppcore/xmppcore/internal/xmpptest"
	"github.com/xmppcore/xmppcore/stream"
)

// receiver is a session that records the bodies of the messages it
// gets, in order.
type receiver struct {
	sess *Session
	mu   sync.Mutex
	got  []int
	more chan struct{}
	done chan error
}

func receive(t *testing.T, ctx context.Context, srv *xmpptest.Server, a xmpptest.Account) *receiver {
	t.Helper()
	r := &receiver{sess: dial(t, ctx, srv, a), more: make(chan struct{}, 1), done: make(chan error, 1)}
	r.sess.RegisterHandler(&stream.Handler{Name: "count", Match: stream.MustPath("message/body"), Func: func(_ *stream.Stream, st *stream.Stanza) {
		n, err := strconv.Atoi(string(st.Root().ChildLocal("body").AppendText(nil)))
		if err != nil {
			t.Errorf("body %s", st.Raw())
			return
		}
		r.mu.Lock()
		r.got = append(r.got, n)
		r.mu.Unlock()
		select {
		case r.more <- struct{}{}:
		default:
		}
	}})
	go func() { r.done <- r.sess.Run(context.Background()) }()
	t.Cleanup(func() { r.sess.Close(); <-r.done })
	return r
}

// wait waits until n messages came (or ctx ends) and checks that they
// are 0..n-1, each once, in order.
func (r *receiver) wait(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	for {
		r.mu.Lock()
		got := len(r.got)
		r.mu.Unlock()
		if got >= n {
			break
		}
		select {
		case <-r.more:
		case <-ctx.Done():
			t.Fatalf("the receiver got %d of %d messages", got, n)
		}
	}
	time.Sleep(100 * time.Millisecond) // a duplicate would come right behind
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) != n {
		t.Fatalf("the receiver got %d messages for %d sent: duplicates", len(r.got), n)
	}
	for i, v := range r.got {
		if v != i {
			t.Fatalf("message %d is %d: lost, duplicated or out of order (%v)", i, v, r.got)
		}
	}
}

func message(to string, i int) []byte {
	return fmt.Appendf(nil, "<message to='%s' type='chat' id='n%d'><body>%d</body></message>", to, i, i)
}

// XEP-0198 against real servers, through a proxy that cuts the
// sender's connection (a reset, no stream close).
func TestStreamManagementInterop(t *testing.T) {
	for _, srv := range xmpptest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Run("resume", func(t *testing.T) { smResume(t, srv) })
			t.Run("random-cuts", func(t *testing.T) { smRandomCuts(t, srv) })
			t.Run("failed-resumption", func(t *testing.T) { smFailedResumption(t, srv) })
			t.Run("receiver-cut", func(t *testing.T) { smReceiverCut(t, srv) })
		})
	}
}

func proxyTo(t *testing.T, srv *xmpptest.Server, plan func(int) []faultproxy.Fault) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(faultproxy.Config{Target: srv.Addr(srv.C2SPort), Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// One cut by hand: the session resumes, and what the server did not
// get is sent again; the receiver gets everything once.
func smResume(t *testing.T, srv *xmpptest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bob := receive(t, ctx, srv, srv.Users[1])
	p := proxyTo(t, srv, nil)
	var events stream.Events
	var enabled, resumed atomic.Int32
	events.On(stream.EventSMEnabled, func(any) { enabled.Add(1) })
	events.On(stream.EventSessionResume, func(any) { resumed.Add(1) })
	sm := &stream.SM{}
	cfg := Config{JID: srv.Users[0].JID, Password: srv.Users[0].Password, Addr: p.Addr(), CAFile: srv.CAFile,
		StreamManagement: sm, Stream: stream.Config{Events: &events}}
	s1, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.Log())
	}
	if !sm.Resumable() || s1.Resumed || enabled.Load() != 1 {
		t.Fatalf("after Dial: resumable %v, resumed %v, %d sm_enabled", sm.Resumable(), s1.Resumed, enabled.Load())
	}
	done1 := make(chan error, 1)
	go func() { done1 <- s1.Run(context.Background()) }()
	for i := 0; i < 10; i++ {
		if err := s1.SendRaw(ctx, message(bob.sess.JID, i)); err != nil {
			t.Fatal(err)
		}
	}
	p.CutAll()
	if err := <-done1; err == nil {
		t.Fatal("Run of the cut session returned nil")
	}
	s2, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, srv.Log())
	}
	if !s2.Resumed || s2.JID != s1.JID || resumed.Load() != 1 {
		t.Fatalf("second Dial: resumed %v, JID %q (was %q), %d session_resumed", s2.Resumed, s2.JID, s1.JID, resumed.Load())
	}
	done2 := make(chan error, 1)
	go func() { done2 <- s2.Run(context.Background()) }()
	for i := 10; i < 20; i++ {
		if err := s2.SendRaw(ctx, message(bob.sess.JID, i)); err != nil {
			t.Fatal(err)
		}
	}
	bob.wait(t, ctx, 20)
	s2.Close()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
	if u := sm.Unacked(); len(u) != 0 {
		t.Fatalf("%d stanzas unacknowledged after a clean close", len(u))
	}
}

// The sender keeps sending through Reconnect while the proxy cuts its
// connection at seeded random points: every message arrives once, in
// order. Each cut is followed by a resumption, or, when the server
// cannot resume (Prosody 0.12 feeds the resumed connection to the old
// connection's XML parser, which a cut can leave in the middle of a
// stanza: see stream.SM), by a fresh session that gets the
// unacknowledged messages back first, in sm_failed.
func smRandomCuts(t *testing.T, srv *xmpptest.Server) {
	const k, cuts = 400, 6
	const seed = 20261125
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bob := receive(t, ctx, srv, srv.Users[1])
	p := proxyTo(t, srv, faultproxy.RandomCuts(seed, cuts, faultproxy.Up, 3000, 12000))
	var events stream.Events
	var resumed, failed atomic.Int32
	events.On(stream.EventSessionResume, func(any) { resumed.Add(1) })
	events.On(stream.EventSMFailed, func(any) { failed.Add(1) })
	out := NewOutbox(&events, 0) // resends what failed resumptions hand back
	sm := &stream.SM{AckTimeout: 3 * time.Second}
	cfg := Config{JID: srv.Users[0].JID, Password: srv.Users[0].Password, Addr: p.Addr(), CAFile: srv.CAFile,
		StreamManagement: sm, Stream: stream.Config{Events: &events}}
	rctx, stop := context.WithCancel(ctx)
	reconnected := make(chan error, 1)
	go func() {
		reconnected <- Reconnect(rctx, cfg, Backoff{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond}, out.Use)
	}()
	for i := 0; i < k; i++ {
		if err := out.Send(ctx, message(bob.sess.JID, i)); err != nil {
			t.Fatal(err)
		}
		if i%20 == 19 {
			time.Sleep(5 * time.Millisecond) // spread the sending over the cuts
		}
	}
	bob.wait(t, ctx, k)
	stop()
	if err := <-reconnected; err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d connections, %d cut, %d resumptions, %d failed", srv.Name, p.Conns(), p.Cuts(), resumed.Load(), failed.Load())
	if p.Cuts() == 0 || resumed.Load()+failed.Load() == 0 {
		t.Fatalf("%d cuts, %d resumptions: the test did not test", p.Cuts(), resumed.Load())
	}
	if srv.Name == "ejabberd" && failed.Load() != 0 {
		t.Fatalf("ejabberd failed %d resumptions", failed.Load())
	}
}

// When the server cannot resume (another login took the resource), a
// fresh session starts and every stanza sent is either acknowledged or
// handed back in sm_failed: none is unaccounted for.
func smFailedResumption(t *testing.T, srv *xmpptest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := proxyTo(t, srv, nil)
	var events stream.Events
	failures := make(chan *stream.SMFailure, 1)
	events.On(stream.EventSMFailed, func(d any) { failures <- d.(*stream.SMFailure) })
	sm := &stream.SM{}
	alice := srv.Users[0]
	cfg := Config{JID: alice.JID + "/sm-fail", Password: alice.Password, Addr: p.Addr(), CAFile: srv.CAFile,
		StreamManagement: sm, Stream: stream.Config{Events: &events}}
	s1, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s1.Run(context.Background()) }()
	const n = 5
	for i := 0; i < n; i++ {
		if err := s1.SendRaw(ctx, message(alice.JID+"/nobody", i)); err != nil {
			t.Fatal(err)
		}
	}
	p.CutAll()
	<-done
	_, _, acked := sm.Counts()
	unacked := sm.Unacked()
	if int(acked)+len(unacked) != n {
		t.Fatalf("%d acknowledged + %d unacked != %d sent", acked, len(unacked), n)
	}
	// Another login with the same resource ends the hibernating session.
	other, err := Dial(ctx, Config{JID: cfg.JID, Password: alice.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	other.Close()
	s2, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.Log())
	}
	defer s2.Abort()
	if s2.Resumed || !sm.Resumable() {
		t.Fatalf("resumed %v after the session was taken over; resumable %v", s2.Resumed, sm.Resumable())
	}
	if len(unacked) == 0 {
		select {
		case f := <-failures:
			t.Fatalf("sm_failed with nothing unacked: %+v", f)
		default:
		}
		return
	}
	select {
	case f := <-failures:
		// The server's h in <failed/>, if it gives one, may acknowledge
		// some: what comes back is the rest, in order.
		if len(f.Unacked) == 0 || len(f.Unacked) > len(unacked) {
			t.Fatalf("sm_failed handed back %d stanzas, %d were unacked", len(f.Unacked), len(unacked))
		}
		rest := unacked[len(unacked)-len(f.Unacked):]
		for i := range rest {
			if string(f.Unacked[i]) != string(rest[i]) {
				t.Fatalf("handed back %s, want %s", f.Unacked[i], rest[i])
			}
		}
		t.Logf("%s: %d unacked at the cut, %d handed back (%s)", srv.Name, len(unacked), len(f.Unacked), f.Condition)
	case <-ctx.Done():
		t.Fatal("no sm_failed")
	}
}

// The receiver's connection is cut (at seeded points of what the server
// sends it) while messages flow to it: after each resumption the server
// sends again what the receiver had not acknowledged, and the receiver's
// h, sent in <resume/>, keeps the handlers from seeing any message
// twice.
func smReceiverCut(t *testing.T, srv *xmpptest.Server) {
	const k = 300
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := proxyTo(t, srv, faultproxy.RandomCuts(7, 3, faultproxy.Down, 6000, 20000))
	bob := srv.Users[1]
	var events stream.Events
	var resumed, failed atomic.Int32
	events.On(stream.EventSessionResume, func(any) { resumed.Add(1) })
	events.On(stream.EventSMFailed, func(any) { failed.Add(1) })
	var mu sync.Mutex
	var got []int
	more := make(chan struct{}, 1)
	jid := make(chan string, 1)
	cfg := Config{JID: bob.JID, Password: bob.Password, Addr: p.Addr(), CAFile: srv.CAFile,
		StreamManagement: &stream.SM{}, Stream: stream.Config{Events: &events}}
	rctx, stop := context.WithCancel(ctx)
	reconnected := make(chan error, 1)
	go func() {
		reconnected <- Reconnect(rctx, cfg, Backoff{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond}, func(s *Session) {
			select {
			case jid <- s.JID:
			default:
			}
			s.RegisterHandler(&stream.Handler{Name: "count", Match: stream.MustPath("message/body"), Func: func(_ *stream.Stream, st *stream.Stanza) {
				n, _ := strconv.Atoi(string(st.Root().ChildLocal("body").AppendText(nil)))
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
				select {
				case more <- struct{}{}:
				default:
				}
			}})
		})
	}()
	var to string
	select {
	case to = <-jid:
	case <-ctx.Done():
		t.Fatal("the receiver did not connect")
	}
	alice := dial(t, ctx, srv, srv.Users[0])
	done := make(chan error, 1)
	go func() { done <- alice.Run(context.Background()) }()
	for i := 0; i < k; i++ {
		if err := alice.SendRaw(ctx, message(to, i)); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= k {
			break
		}
		select {
		case <-more:
		case <-ctx.Done():
			t.Fatalf("the receiver got %d of %d (%d cuts, %d resumptions, %d failed)", n, k, p.Cuts(), resumed.Load(), failed.Load())
		}
	}
	time.Sleep(100 * time.Millisecond)
	alice.Close()
	<-done
	stop()
	<-reconnected
	mu.Lock()
	defer mu.Unlock()
	// Exactly once each. The order across a resumption is the server's:
	// ejabberd 23.01 sometimes delivers a few messages that were on
	// their way to the old connection after newer ones (seen in 3 of
	// about 40 runs); the order the client reads is the order its
	// handlers see.
	seen := make([]int, k)
	late := 0
	for i, v := range got {
		if v < 0 || v >= k {
			t.Fatalf("message %d: %d is not one we sent", i, v)
		}
		if seen[v]++; seen[v] > 1 {
			t.Fatalf("message %d handled twice (around it: %v)", v, got[max(0, i-5):min(len(got), i+10)])
		}
		if i > 0 && v < got[i-1] {
			late++
		}
	}
	if len(got) != k {
		t.Fatalf("%d messages handled for %d sent", len(got), k)
	}
	t.Logf("%s: %d cuts, %d resumptions, %d failed, %d delivered out of order", srv.Name, p.Cuts(), resumed.Load(), failed.Load(), late)
	if p.Cuts() == 0 || resumed.Load() == 0 {
		t.Fatalf("%d cuts, %d resumptions: the test did not test", p.Cuts(), resumed.Load())
	}
}
