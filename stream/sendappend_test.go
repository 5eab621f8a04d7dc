package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/stanzapool"
)

// appendMsg returns a build function for SendAppend that appends
// message i.
func appendMsg(i int) func([]byte) []byte {
	return func(dst []byte) []byte {
		dst = append(dst, "<message id='"...)
		dst = strconv.AppendInt(dst, int64(i), 10)
		return append(dst, "'/>"...)
	}
}

func msgWithID(i int) string { return fmt.Sprintf("<message id='%d'/>", i) }

// Stanzas built in place follow each other and those sent with Send in
// the order they were sent: each is appended after what is pending,
// never over it.
func TestSendAppendKeepsOrderWithSend(t *testing.T) {
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			s, p, done := runStream(t, Config{Inline: inline}, nil)
			ctx := context.Background()
			const n = 300 // more than a pipe write takes at once: many pending together
			for i := 0; i < n; i++ {
				var err error
				if i%3 == 0 {
					b := s.NewBuffer()
					b.B = append(b.B, msgWithID(i)...)
					err = s.Send(ctx, b)
				} else {
					err = s.SendAppend(ctx, appendMsg(i))
				}
				if err != nil {
					t.Fatalf("stanza %d: %v", i, err)
				}
			}
			for i := 0; i < n; i++ {
				p.expect(msgWithID(i))
			}
			if got := s.Stats().StanzasOut.Load(); got != n {
				t.Errorf("Stats.StanzasOut = %d after %d stanzas were written, want %d", got, n, n)
			}
			p.write(`</stream:stream>`)
			if err := waitRun(t, done); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// With an out filter, SendAppend's stanza goes through it like Send's:
// the filter sees it whole, may rewrite it, and may drop it.
func TestSendAppendRunsOutFilters(t *testing.T) {
	var seen []string
	s, p, _ := runStream(t, Config{}, func(s *Stream) {
		s.AddOutFilter(func(_ *Stream, b *stanzapool.Buffer) *stanzapool.Buffer {
			seen = append(seen, string(b.B))
			if bytes.Contains(b.B, []byte("'1'")) {
				b.Release()
				return nil // dropped
			}
			b.B = bytes.Replace(b.B, []byte("<message"), []byte("<message type='chat'"), 1)
			return b
		}, 0)
	})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := s.SendAppend(ctx, appendMsg(i)); err != nil {
			t.Fatal(err)
		}
	}
	p.expect("<message type='chat' id='0'/>")
	p.expect("<message type='chat' id='2'/>")
	if len(seen) != 3 || seen[1] != msgWithID(1) {
		t.Errorf("the filter saw %q, want the three stanzas as built", seen)
	}
}

// Once the stream has ended, SendAppend fails with ErrClosed and never
// calls build: nothing is built that will not be sent.
func TestSendAppendAfterEndDoesNotBuild(t *testing.T) {
	s, p, done := runStream(t, Config{}, nil)
	p.write(`</stream:stream>`)
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
	called := false
	err := s.SendAppend(context.Background(), func(dst []byte) []byte {
		called = true
		return append(dst, "<message/>"...)
	})
	if !errors.Is(err, ErrClosed) || called {
		t.Errorf("SendAppend after the end: %v, build called %v; want ErrClosed and no call", err, called)
	}
}

// A full queue makes SendAppend wait as Send does, and give up with the
// context's error without building.
func TestSendAppendWaitsForRoom(t *testing.T) {
	s, _, _ := runStream(t, Config{QueueLen: 2}, nil)
	// A pipe takes a write only as its peer reads it, and a cancelled
	// context gives up at once: a queue of 2 is soon found full.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	filled := 0
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		called := false
		err := s.SendAppend(ctx, func(dst []byte) []byte { called = true; return append(dst, "<message/>"...) })
		if err == nil {
			filled++
			continue
		}
		if !errors.Is(err, context.Canceled) || called {
			t.Fatalf("full queue: %v, build called %v; want context.Canceled, no call", err, called)
		}
		return
	}
	t.Fatalf("the queue of 2 took %d stanzas without refusing one", filled)
}

// The reader's count of stanzas in is published before each read: a
// stanza cut across two reads does not hold back the count of those
// before it.
func TestStanzasInCountedBeforeEachRead(t *testing.T) {
	s, p, _ := runStream(t, Config{}, nil)
	p.write(`<message id='1'/><message id='2'/><message id='3'><bo`)
	waitCount := func(want uint64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for s.Stats().StanzasIn.Load() != want {
			if time.Now().After(deadline) {
				t.Fatalf("Stats.StanzasIn = %d, want %d", s.Stats().StanzasIn.Load(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitCount(2)
	p.write(`dy/></message>`)
	waitCount(3)
}

// A build that panics in a handler is the handler's panic: recovered
// and reported (EventException), nothing of it is sent, and the stream
// goes on sending (the queue's lock, held while build runs, is
// released).
func TestSendAppendBuildPanicIsRecovered(t *testing.T) {
	panics := make(chan any, 1)
	s, p, _ := runStream(t, Config{Inline: true}, func(s *Stream) {
		s.Events().On(EventException, func(v any) { panics <- v })
		s.RegisterHandler(&Handler{Name: "bad", Match: MustPath("message"), Func: func(s *Stream, st *Stanza) {
			s.SendAppend(context.Background(), func(dst []byte) []byte {
				dst = append(dst, "<message id='half"...)
				if len(dst) > 0 { // always: half a stanza is appended, then it fails
					panic("build failed")
				}
				return dst
			})
		}})
	})
	p.write(`<message/>`)
	select {
	case v := <-panics:
		if v != "build failed" {
			t.Fatalf("exception %v, want the build's panic", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the panic was not reported")
	}
	if err := s.SendAppend(context.Background(), appendMsg(1)); err != nil {
		t.Fatal(err)
	}
	p.expect(msgWithID(1))
}
