package metrics

import (
	"sync"
	"testing"
	"time"
)

func TestCountersSnapshot(t *testing.T) {
	var c Counters
	c.StanzasIn.Add(3)
	c.StanzasOut.Inc()
	c.BytesIn.Add(300)
	c.BytesOut.Add(100)
	c.QueueDepth.Set(5)
	c.QueueDepth.Add(-2)
	c.Reconnects.Inc()
	c.Errors.Add(2)
	for i := 1; i <= 1000; i++ {
		c.Latency.Record(time.Duration(i) * time.Millisecond)
	}
	got := c.Snapshot()
	want := Snapshot{
		StanzasIn: 3, StanzasOut: 1, BytesIn: 300, BytesOut: 100,
		QueueDepth: 3, Reconnects: 1, Errors: 2,
		LatencyCount: 1000, LatencyMeanUS: 500500, LatencyMaxUS: 1000000,
	}
	// Percentiles are estimates; check them against the bound, then
	// compare the exact fields.
	for _, p := range []struct {
		name      string
		got, want int64
	}{
		{"p50", got.LatencyP50US, 500000},
		{"p90", got.LatencyP90US, 900000},
		{"p99", got.LatencyP99US, 990000},
		{"p999", got.LatencyP999US, 999000},
	} {
		if !withinBound(time.Duration(p.got), time.Duration(p.want)) {
			t.Errorf("%s = %d µs, want %d µs within 1/64", p.name, p.got, p.want)
		}
	}
	got.LatencyP50US, got.LatencyP90US, got.LatencyP99US, got.LatencyP999US = 0, 0, 0, 0
	if got != want {
		t.Fatalf("Snapshot =\n%+v\nwant\n%+v", got, want)
	}
}

func TestCountersMerge(t *testing.T) {
	var a, b Counters
	a.BytesIn.Add(10)
	a.QueueDepth.Set(1)
	a.Latency.Record(time.Millisecond)
	b.BytesIn.Add(5)
	b.QueueDepth.Set(2)
	b.Errors.Inc()
	b.Latency.Record(3 * time.Millisecond)
	a.Merge(&b)
	s := a.Snapshot()
	if s.BytesIn != 15 || s.QueueDepth != 3 || s.Errors != 1 || s.LatencyCount != 2 || s.LatencyMeanUS != 2000 || s.LatencyMaxUS != 3000 {
		t.Fatalf("merged snapshot %+v", s)
	}
}

func TestCountersConcurrent(t *testing.T) {
	const workers, each = 8, 1000
	var c Counters
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				c.StanzasIn.Inc()
				c.BytesIn.Add(10)
				c.QueueDepth.Add(1)
				c.QueueDepth.Add(-1)
				c.Latency.Record(time.Millisecond)
				_ = c.Snapshot()
			}
		})
	}
	wg.Wait()
	s := c.Snapshot()
	if s.StanzasIn != workers*each || s.BytesIn != 10*workers*each || s.QueueDepth != 0 || s.LatencyCount != workers*each {
		t.Fatalf("after concurrent updates: %+v", s)
	}
}

func TestCounterAllocs(t *testing.T) {
	var c Counters
	for name, f := range map[string]func(){
		"Counter.Inc": func() { c.StanzasIn.Inc() },
		"Counter.Add": func() { c.BytesOut.Add(42) },
		"Gauge.Add":   func() { c.QueueDepth.Add(1) },
		"Gauge.Set":   func() { c.QueueDepth.Set(3) },
		"Record":      func() { c.Latency.Record(time.Millisecond) },
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s allocates %v times, want 0", name, n)
		}
	}
}
