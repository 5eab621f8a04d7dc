package stream

import (
	"sync"
	"time"
)

// scheduler holds a stream's named timers (the seed's schedule).
type scheduler struct {
	mu     sync.Mutex
	timers map[string]*time.Timer
	closed bool
}

// Schedule runs fn after d, on a goroutine of its own; with repeat, every
// d until cancelled or the stream ends (the seed's schedule(name,
// seconds, callback, repeat)). A task already scheduled under name is
// replaced. Tasks do not outlive the stream.
func (s *Stream) Schedule(name string, d time.Duration, repeat bool, fn func(s *Stream)) {
	sc := &s.sched
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.closed {
		return
	}
	if sc.timers == nil {
		sc.timers = map[string]*time.Timer{}
	}
	if old := sc.timers[name]; old != nil {
		old.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		sc.mu.Lock()
		if sc.closed || sc.timers[name] != t {
			sc.mu.Unlock()
			return
		}
		if repeat {
			t.Reset(d)
		} else {
			delete(sc.timers, name)
		}
		sc.mu.Unlock()
		defer s.recoverPanic()
		fn(s)
	})
	sc.timers[name] = t
}

// CancelSchedule cancels the task named name and reports whether there
// was one (the seed's cancel_schedule).
func (s *Stream) CancelSchedule(name string) bool {
	sc := &s.sched
	sc.mu.Lock()
	defer sc.mu.Unlock()
	t := sc.timers[name]
	if t == nil {
		return false
	}
	t.Stop()
	delete(sc.timers, name)
	return true
}

// stopSchedules cancels every task when the stream ends.
func (s *Stream) stopSchedules() {
	sc := &s.sched
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.closed = true
	for name, t := range sc.timers {
		t.Stop()
		delete(sc.timers, name)
	}
}
