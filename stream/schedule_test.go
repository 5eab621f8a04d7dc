package stream

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	s := New(nil, Config{})
	once := make(chan struct{}, 2)
	s.Schedule("once", 5*time.Millisecond, false, func(*Stream) { once <- struct{}{} })
	var ticks atomic.Int32
	s.Schedule("tick", 2*time.Millisecond, true, func(*Stream) { ticks.Add(1) })
	s.Schedule("cancelled", 5*time.Millisecond, false, func(*Stream) { t.Error("a cancelled task ran") })
	if !s.CancelSchedule("cancelled") || s.CancelSchedule("missing") {
		t.Error("CancelSchedule")
	}
	s.Schedule("replaced", time.Hour, false, func(*Stream) { t.Error("a replaced task ran") })
	replaced := make(chan struct{})
	s.Schedule("replaced", time.Millisecond, false, func(*Stream) { close(replaced) })
	<-once
	<-replaced
	deadline := time.Now().Add(5 * time.Second)
	for ticks.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if ticks.Load() < 3 {
		t.Fatalf("repeating task ran %d times", ticks.Load())
	}
	s.stopSchedules() // as the end of the stream does
	n := ticks.Load()
	time.Sleep(20 * time.Millisecond)
	if ticks.Load() > n+1 {
		t.Errorf("a repeating task outlived its stream: %d → %d", n, ticks.Load())
	}
	select {
	case <-once:
		t.Error("a one-shot task ran twice")
	default:
	}
	s.Schedule("after the end", time.Millisecond, false, func(*Stream) { t.Error("scheduled after the end") })
	time.Sleep(10 * time.Millisecond)
}

func TestKinds(t *testing.T) {
	s := New(nil, Config{})
	msg := stanzaOf(t, `<message/>`)
	feat := stanzaOf(t, `<stream:features/>`)
	if s.KindOf(msg) != "message" || s.KindOf(feat) != "" {
		t.Fatalf("kinds %q %q", s.KindOf(msg), s.KindOf(feat))
	}
	s.RegisterStanza(Kind{Name: "features", Space: NSStreams, Local: "features"})
	if s.KindOf(feat) != "features" || !s.MatchKind("features").Match(feat) || s.MatchKind("features").Match(msg) {
		t.Error("registered kind not matched")
	}
	s.RemoveStanza("message")
	if s.KindOf(msg) != "" {
		t.Error("removed kind still matched")
	}
	if n := testing.AllocsPerRun(100, func() { s.KindOf(feat) }); n != 0 {
		t.Errorf("%v allocations per KindOf", n)
	}
}
