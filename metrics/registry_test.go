package metrics

import (
	"sync"
	"testing"
	"time"
)

func TestRegistryTotal(t *testing.T) {
	var r Registry
	if s := r.Snapshot(); s != (Snapshot{}) {
		t.Fatalf("empty registry: %+v, want zeros", s)
	}
	streams := make([]*Counters, 3)
	for i := range streams {
		c := new(Counters)
		c.StanzasIn.Add(int64(i + 1))
		c.BytesOut.Add(100)
		c.QueueDepth.Set(int64(i))
		c.Latency.Record(time.Duration(i+1) * time.Millisecond)
		streams[i] = c
		r.Add(c)
	}
	r.Add(streams[0]) // again: counted once
	if r.Len() != 3 {
		t.Fatalf("Len = %d, want 3", r.Len())
	}
	total := r.Total()
	s := total.Snapshot()
	if s.StanzasIn != 6 || s.BytesOut != 300 || s.QueueDepth != 3 || s.LatencyCount != 3 ||
		total.Latency.Min() != time.Millisecond || total.Latency.Max() != 3*time.Millisecond {
		t.Fatalf("Total = %+v", s)
	}

	// A removed stream's counts stay; its queue depth goes, and later
	// updates to it are not counted.
	r.Remove(streams[2])
	r.Remove(streams[2])
	r.Remove(new(Counters))
	streams[2].StanzasIn.Add(1000)
	s = r.Snapshot()
	if r.Len() != 2 || s.StanzasIn != 6 || s.BytesOut != 300 || s.QueueDepth != 1 || s.LatencyMaxUS != 3000 {
		t.Fatalf("after Remove: Len %d, %+v", r.Len(), s)
	}
	r.Remove(streams[0])
	r.Remove(streams[1])
	if s = r.Snapshot(); s.StanzasIn != 6 || s.QueueDepth != 0 || s.LatencyCount != 3 {
		t.Fatalf("all removed: %+v", s)
	}
}

func TestRegistryConcurrent(t *testing.T) {
	const streams, each = 8, 500
	var r Registry
	var wg sync.WaitGroup
	for range streams {
		wg.Go(func() {
			c := new(Counters)
			r.Add(c)
			for range each {
				c.StanzasOut.Inc()
				c.Latency.Record(time.Microsecond)
				_ = r.Snapshot()
			}
			r.Remove(c)
		})
	}
	wg.Wait()
	if s := r.Snapshot(); s.StanzasOut != streams*each || s.LatencyCount != streams*each || r.Len() != 0 {
		t.Fatalf("after concurrent streams: Len %d, %+v", r.Len(), s)
	}
}
