package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// exactQuantile is the nearest-rank q-quantile of sorted: the
// ceil(q*n)-th smallest, which Histogram.Quantile estimates.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := max(int(math.Ceil(q*float64(len(sorted)))), 1)
	return sorted[rank-1]
}

// withinBound reports whether got is within 1/64 of want, the error
// bound documented on Histogram.
func withinBound(got, want time.Duration) bool {
	diff := got - want
	if diff < 0 {
		diff = -diff
	}
	return 64*diff <= want
}

func TestBucketBounds(t *testing.T) {
	// Buckets tile [0, 2^36) in order, each no wider than 1/32 of its
	// lower bound once past the exact range.
	var next int64
	for i := range numBuckets {
		lo, width := bucketBounds(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, next)
		}
		if i >= 2*subBuckets && width*subBuckets > lo {
			t.Fatalf("bucket %d [%d, +%d) is wider than 1/%d of its start", i, lo, width, subBuckets)
		}
		for _, v := range []int64{lo, lo + width/2, lo + width - 1} {
			if got := bucketOf(v); got != i {
				t.Fatalf("bucketOf(%d) = %d, want %d", v, got, i)
			}
		}
		next = lo + width
	}
	if next != int64(HistogramLimit)+1 {
		t.Fatalf("buckets end at %d, want %d", next, int64(HistogramLimit)+1)
	}
	if got := bucketOf(math.MaxInt64); got != numBuckets-1 {
		t.Fatalf("bucketOf(MaxInt64) = %d, want the top bucket", got)
	}
}

func TestQuantileMatchesExact(t *testing.T) {
	qs := []float64{0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1}
	dists := map[string]func(r *rand.Rand) time.Duration{
		// Log-uniform from 1 µs to 1 min: every bucket range gets used.
		"loguniform": func(r *rand.Rand) time.Duration {
			return time.Duration(math.Exp(r.Float64()*math.Log(60e9/1e3)) * 1e3)
		},
		// Exponential around 2 ms, a typical reply latency.
		"exponential": func(r *rand.Rand) time.Duration {
			return time.Duration(r.ExpFloat64() * 2e6)
		},
		// Few distinct values, so many ranks share one value.
		"discrete": func(r *rand.Rand) time.Duration {
			return time.Duration(r.IntN(5)+1) * time.Millisecond
		},
	}
	for name, dist := range dists {
		for seed := range uint64(20) {
			r := rand.New(rand.NewPCG(seed, 1))
			n := 1 + r.IntN(5000)
			var h Histogram
			samples := make([]time.Duration, n)
			for i := range samples {
				samples[i] = dist(r)
				h.Record(samples[i])
			}
			slices.Sort(samples)
			for _, q := range qs {
				got, want := h.Quantile(q), exactQuantile(samples, q)
				if !withinBound(got, want) {
					t.Errorf("%s seed %d n %d: Quantile(%v) = %v, exact %v, error %.2f%% > 1/64",
						name, seed, n, q, got, want, 100*math.Abs(float64(got-want))/float64(want))
				}
			}
			if h.Quantile(1) != samples[n-1] || h.Max() != samples[n-1] {
				t.Errorf("%s seed %d: Quantile(1) = %v, Max = %v, want %v", name, seed, h.Quantile(1), h.Max(), samples[n-1])
			}
			if h.Quantile(0) != samples[0] || h.Min() != samples[0] {
				t.Errorf("%s seed %d: Quantile(0) = %v, Min = %v, want %v", name, seed, h.Quantile(0), h.Min(), samples[0])
			}
		}
	}
}

func TestHistogramZeroValue(t *testing.T) {
	var h Histogram
	if h.Count() != 0 || h.Min() != 0 || h.Max() != 0 || h.Mean() != 0 || h.Quantile(0.5) != 0 {
		t.Fatalf("empty histogram: count %d min %v max %v mean %v p50 %v, want all zero",
			h.Count(), h.Min(), h.Max(), h.Mean(), h.Quantile(0.5))
	}
}

func TestHistogramStats(t *testing.T) {
	var h Histogram
	for _, d := range []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond} {
		h.Record(d)
	}
	if h.Count() != 3 || h.Min() != time.Millisecond || h.Max() != 3*time.Millisecond || h.Mean() != 2*time.Millisecond {
		t.Fatalf("count %d min %v max %v mean %v, want 3 1ms 3ms 2ms", h.Count(), h.Min(), h.Max(), h.Mean())
	}
	if got := h.Quantile(math.NaN()); got != time.Millisecond {
		t.Errorf("Quantile(NaN) = %v, want Min", got)
	}
	if got := h.Quantile(2); got != 3*time.Millisecond {
		t.Errorf("Quantile(2) = %v, want Max", got)
	}
}

func TestHistogramEdgeValues(t *testing.T) {
	var h Histogram
	h.Record(-time.Second)
	if h.Min() != 0 || h.Max() != 0 || h.Count() != 1 {
		t.Fatalf("negative duration: min %v max %v count %d, want it counted as 0", h.Min(), h.Max(), h.Count())
	}
	long := 10 * time.Minute
	h.Record(long)
	if h.Max() != long || h.Quantile(1) != long {
		t.Fatalf("duration past HistogramLimit: Max %v, Quantile(1) %v, want %v", h.Max(), h.Quantile(1), long)
	}
	h.Record(time.Duration(math.MaxInt64))
	if h.Max() != time.Duration(math.MaxInt64) {
		t.Fatalf("Max = %v, want MaxInt64", h.Max())
	}
}

func TestHistogramMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var a, b, all Histogram
	for range 3000 {
		d := time.Duration(r.Int64N(int64(time.Second)))
		all.Record(d)
		if r.IntN(2) == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var merged Histogram
	merged.Merge(&a)
	merged.Merge(&b)
	merged.Merge(nil)
	merged.Merge(new(Histogram))
	if !sameHistogram(&merged, &all) {
		t.Fatalf("merge of halves differs from recording all: count %d/%d min %v/%v max %v/%v",
			merged.Count(), all.Count(), merged.Min(), all.Min(), merged.Max(), all.Max())
	}
}

func sameHistogram(a, b *Histogram) bool {
	for i := range a.counts {
		if a.counts[i].Load() != b.counts[i].Load() {
			return false
		}
	}
	return a.Count() == b.Count() && a.Mean() == b.Mean() && a.Min() == b.Min() && a.Max() == b.Max()
}

func TestHistogramReset(t *testing.T) {
	var h Histogram
	h.Record(time.Second)
	h.Reset()
	if !sameHistogram(&h, new(Histogram)) {
		t.Fatal("Reset left values behind")
	}
	h.Record(time.Millisecond)
	if h.Min() != time.Millisecond || h.Max() != time.Millisecond || h.Count() != 1 {
		t.Fatalf("after Reset: min %v max %v count %d, want 1ms 1ms 1", h.Min(), h.Max(), h.Count())
	}
}

func TestHistogramConcurrent(t *testing.T) {
	const writers, each = 8, 2000
	var h Histogram
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				h.Record(time.Duration(w*each+i+1) * time.Microsecond)
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if p50 := h.Quantile(0.5); p50 > h.Max() {
				t.Errorf("p50 %v above max %v", p50, h.Max())
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()

	n := int64(writers * each)
	var buckets int64
	for i := range h.counts {
		buckets += h.counts[i].Load()
	}
	if h.Count() != n || buckets != n {
		t.Fatalf("Count %d, buckets hold %d, want %d", h.Count(), buckets, n)
	}
	if h.Min() != time.Microsecond || h.Max() != time.Duration(n)*time.Microsecond {
		t.Fatalf("Min %v Max %v, want 1µs %v", h.Min(), h.Max(), time.Duration(n)*time.Microsecond)
	}
}

func TestRecordAllocs(t *testing.T) {
	var h Histogram
	d := 1500 * time.Microsecond
	if n := testing.AllocsPerRun(1000, func() { h.Record(d); d += 7 }); n != 0 {
		t.Fatalf("Record allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = h.Quantile(0.99) }); n != 0 {
		t.Fatalf("Quantile allocates %v times, want 0", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(i&0xfffff) * time.Microsecond)
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			h.Record(time.Duration(i&0xfffff) * time.Microsecond)
		}
	})
}

func BenchmarkQuantile(b *testing.B) {
	var h Histogram
	for i := range 100000 {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Quantile(0.99)
	}
}
