package metrics

import (
	"sync/atomic"
	"time"
)

// Counter is a count that only goes up, such as stanzas or bytes
// received. Its zero value is zero; it is safe for concurrent use.
type Counter struct{ n atomic.Int64 }

// Inc adds one.
func (c *Counter) Inc() { c.n.Add(1) }

// Add adds n, which should not be negative.
func (c *Counter) Add(n int64) { c.n.Add(n) }

// Load returns the current count.
func (c *Counter) Load() int64 { return c.n.Load() }

// Gauge is a level that goes up and down, such as a queue's depth. Its
// zero value is zero; it is safe for concurrent use.
type Gauge struct{ n atomic.Int64 }

// Add adds n, which may be negative.
func (g *Gauge) Add(n int64) { g.n.Add(n) }

// Set replaces the level with n.
func (g *Gauge) Set(n int64) { g.n.Store(n) }

// Load returns the current level.
func (g *Gauge) Load() int64 { return g.n.Load() }

// Counters holds the metrics of one stream, or of a whole process when
// used as a total. The zero value is all zeros and ready to use; it
// must not be copied after first use. Every field may be updated from
// any goroutine without locks or allocation.
type Counters struct {
	StanzasIn  Counter // stanzas received
	StanzasOut Counter // stanzas sent
	BytesIn    Counter // bytes read from the connection
	BytesOut   Counter // bytes written to the connection
	QueueDepth Gauge   // stanzas waiting to be sent
	Reconnects Counter // connections re-established after a loss
	Errors     Counter // stream, stanza and I/O errors

	// Latency records round-trip or processing times, whichever the
	// owner measures (an IQ's reply time, say).
	Latency Histogram
}

// Merge adds every counter and gauge of other to c and merges the
// latency histograms.
func (c *Counters) Merge(other *Counters) {
	c.StanzasIn.Add(other.StanzasIn.Load())
	c.StanzasOut.Add(other.StanzasOut.Load())
	c.BytesIn.Add(other.BytesIn.Load())
	c.BytesOut.Add(other.BytesOut.Load())
	c.QueueDepth.Add(other.QueueDepth.Load())
	c.Reconnects.Add(other.Reconnects.Load())
	c.Errors.Add(other.Errors.Load())
	c.Latency.Merge(&other.Latency)
}

// Snapshot returns the current values as plain numbers. It implements
// Source.
func (c *Counters) Snapshot() Snapshot {
	var q [4]time.Duration
	c.Latency.quantiles([]float64{0.50, 0.90, 0.99, 0.999}, q[:])
	return Snapshot{
		StanzasIn:     c.StanzasIn.Load(),
		StanzasOut:    c.StanzasOut.Load(),
		BytesIn:       c.BytesIn.Load(),
		BytesOut:      c.BytesOut.Load(),
		QueueDepth:    c.QueueDepth.Load(),
		Reconnects:    c.Reconnects.Load(),
		Errors:        c.Errors.Load(),
		LatencyCount:  c.Latency.Count(),
		LatencyMeanUS: c.Latency.Mean().Microseconds(),
		LatencyP50US:  q[0].Microseconds(),
		LatencyP90US:  q[1].Microseconds(),
		LatencyP99US:  q[2].Microseconds(),
		LatencyP999US: q[3].Microseconds(),
		LatencyMaxUS:  c.Latency.Max().Microseconds(),
	}
}

// Snapshot is a plain copy of Counters, ready for encoding/json.
// Latencies are in whole microseconds, truncated; percentiles carry the
// error bound documented on Histogram.
type Snapshot struct {
	StanzasIn  int64 `json:"stanzas_in"`
	StanzasOut int64 `json:"stanzas_out"`
	BytesIn    int64 `json:"bytes_in"`
	BytesOut   int64 `json:"bytes_out"`
	QueueDepth int64 `json:"queue_depth"`
	Reconnects int64 `json:"reconnects"`
	Errors     int64 `json:"errors"`

	LatencyCount  int64 `json:"latency_count"`
	LatencyMeanUS int64 `json:"latency_mean_us"`
	LatencyP50US  int64 `json:"latency_p50_us"`
	LatencyP90US  int64 `json:"latency_p90_us"`
	LatencyP99US  int64 `json:"latency_p99_us"`
	LatencyP999US int64 `json:"latency_p999_us"`
	LatencyMaxUS  int64 `json:"latency_max_us"`
}

// Source is anything that reports a Snapshot: *Counters for one
// stream, *Registry for a process.
type Source interface {
	Snapshot() Snapshot
}
