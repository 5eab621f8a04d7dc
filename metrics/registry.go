package metrics

import "sync"

// Registry aggregates the Counters of many streams into process
// totals. Its zero value is empty and ready to use; it is safe for
// concurrent use and implements Source.
//
// Counts of removed streams stay in the totals, so a process counter
// never goes backwards when a stream closes; the QueueDepth gauge sums
// only the streams still registered.
type Registry struct {
	mu      sync.Mutex
	streams map[*Counters]struct{}
	retired Counters // counts of removed streams; QueueDepth stays 0
}

// Add registers c. Adding a registered c again does nothing.
func (r *Registry) Add(c *Counters) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.streams == nil {
		r.streams = make(map[*Counters]struct{})
	}
	r.streams[c] = struct{}{}
}

// Remove unregisters c, keeping its counts in the totals. Call it once
// the stream is done, so later updates to c are not counted. Removing
// an unregistered c does nothing.
func (r *Registry) Remove(c *Counters) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.streams[c]; !ok {
		return
	}
	delete(r.streams, c)
	r.retired.Merge(c)
	r.retired.QueueDepth.Set(0)
}

// Len returns how many Counters are registered.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.streams)
}

// Total returns a new Counters holding the sum of every registered
// Counters and of every removed one, with their histograms merged.
func (r *Registry) Total() *Counters {
	t := new(Counters)
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Merge(&r.retired)
	for c := range r.streams {
		t.Merge(c)
	}
	return t
}

// Snapshot returns Total as plain numbers. It implements Source.
func (r *Registry) Snapshot() Snapshot { return r.Total().Snapshot() }
