package stream

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// SECURITY-CASES 22: a reply handler registered for an IQ sent to one
// peer fires only for its result or error, from that peer, with that id:
// same id from another peer, a request with that id, or a message with
// it do not reach it (mellium CVE-2024-46957).
func TestSecurityCase22ReplyMatchedOnIDPeerAndType(t *testing.T) {
	got := make(chan string, 8)
	_, p, done := runStream(t, Config{}, func(s *Stream) {
		s.RegisterHandler(&Handler{Name: "reply", Match: MatchReply{ID: "q1", From: "juliet@example.com/b"}, Func: func(_ *Stream, st *Stanza) {
			got <- string(st.Attr("from")) + " " + string(st.Attr("type"))
		}})
	})
	p.write(`<iq type='result' id='q1' from='mallory@example.net/x'/>` +
		`<iq type='result' id='q1'/>` +
		`<iq type='set' id='q1' from='juliet@example.com/b'><query xmlns='jabber:iq:roster'/></iq>` +
		`<message id='q1' from='juliet@example.com/b'/>` +
		`<iq type='result' id='q2' from='juliet@example.com/b'/>` +
		`<iq type='error' id='q1' from='juliet@example.com/b'/>` +
		`</stream:stream>`)
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
	close(got)
	var all []string
	for g := range got {
		all = append(all, g)
	}
	if len(all) != 1 || all[0] != "juliet@example.com/b error" {
		t.Fatalf("the reply handler saw %q; want only the error from juliet", all)
	}
}

// SECURITY-CASES 24: a handler that blocks holds up its own stream's
// dispatch only: another stream goes on, and when the handler returns,
// its stream handles what came meanwhile, in order.
func TestSecurityCase24BlockingHandlerStallsNoOtherStream(t *testing.T) {
	release := make(chan struct{})
	var handledA atomic.Int32
	_, pa, doneA := runStream(t, Config{}, func(s *Stream) {
		s.RegisterHandler(&Handler{Name: "stuck", Match: MatchAll, Func: func(_ *Stream, st *Stanza) {
			if handledA.Add(1) == 1 {
				<-release
			}
		}})
	})
	_, pb, doneB := runStream(t, Config{}, func(s *Stream) {
		s.RegisterHandler(&Handler{Name: "echo", Match: MatchAll, Func: func(s *Stream, st *Stanza) {
			s.SendRaw(context.Background(), st.Raw())
		}})
	})
	pa.write(`<message id='a1'/><message id='a2'/><message id='a3'/>`)
	for deadline := time.Now().Add(5 * time.Second); handledA.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // A's handler is under way (and stuck)
	}
	for i := 0; i < 20; i++ {
		pb.write(`<message id='b'/>`)
		pb.expect(`<message id='b'/>`)
	}
	if n := handledA.Load(); n != 1 {
		t.Fatalf("stream A handled %d while its handler was stuck", n)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for handledA.Load() != 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := handledA.Load(); n != 3 {
		t.Fatalf("stream A handled %d of 3 after its handler returned", n)
	}
	pa.write(`</stream:stream>`)
	pb.write(`</stream:stream>`)
	if err := waitRun(t, doneA); err != nil {
		t.Fatal(err)
	}
	if err := waitRun(t, doneB); err != nil {
		t.Fatal(err)
	}
}
