// Package metrics counts what a stream does: stanzas and bytes in and
// out, queue depth, reconnects, errors and a latency histogram, for one
// stream (Counters) or a whole process (Registry), and publishes them
// through expvar as JSON at /debug/vars, using the standard library
// only.
//
// Every update is a single atomic operation (a few for Histogram.Record)
// and allocates nothing, so the counters can sit on the hot path. Reads
// (Snapshot, Quantile, Total) are not atomic across fields: under
// concurrent updates a snapshot may mix values from slightly different
// instants, which is what monitoring wants from a lock-free counter.
//
// A typical wiring keeps one Counters per stream, adds it to a process
// Registry while the stream lives, and publishes the registry once:
//
//	var streams metrics.Registry
//	metrics.Publish("xmpp", &streams)
//
//	c := new(metrics.Counters)
//	streams.Add(c)
//	defer streams.Remove(c)
//	c.StanzasIn.Inc()
//	c.Latency.Record(time.Since(sent))
package metrics
