package metrics

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// The buckets are log-linear (HDR-style) over nanoseconds: values below
// 2*subBuckets have a bucket each; above that every power-of-two range
// [2^e, 2^(e+1)) is cut into subBuckets equal parts of width 2^(e-5).
// A bucket's width is thus at most 1/subBuckets of its lower bound.
const (
	subBits    = 5
	subBuckets = 1 << subBits // linear sub-buckets per power of two

	// numBuckets covers every value below 2^36 ns (about 68.7 s): the
	// highest such value has shift 30 and index 30*32 + 63 = 1023.
	numBuckets = 1024

	// HistogramLimit is the largest duration the histogram resolves;
	// longer ones are counted in the top bucket (Max stays exact).
	HistogramLimit = time.Duration(1<<36 - 1)
)

// Histogram is a latency histogram for durations from 1 ns to
// HistogramLimit (about 68.7 s) with bounded relative error. Its zero
// value is empty and ready to use; it must not be copied after first
// use. Record and the readers may be called from any goroutine.
//
// Error bound: Quantile(q) is within 1/64 (about 1.6%) of the exact
// nearest-rank q-quantile of the recorded values, that is of the
// ceil(q*n)-th smallest of n values, for every duration up to
// HistogramLimit. Min, Max, Count and Mean are exact.
//
// A Histogram is a fixed array of 1024 counters (8 KiB); Record never
// allocates.
type Histogram struct {
	counts     [numBuckets]atomic.Int64
	count      atomic.Int64
	sum        atomic.Int64  // nanoseconds, for Mean
	max        atomic.Int64  // nanoseconds
	minPlusOne atomic.Uint64 // min+1 nanoseconds; 0 means no value yet, so the zero value works
}

// bucketOf returns the index of the bucket holding v nanoseconds,
// 0 <= v. Values of 2^36 and above share the top bucket.
func bucketOf(v int64) int {
	if v > int64(HistogramLimit) {
		v = int64(HistogramLimit)
	}
	shift := max(bits.Len64(uint64(v))-(subBits+1), 0)
	return shift<<subBits + int(v>>shift)
}

// bucketBounds returns the lower bound of bucket i and its width, both
// in nanoseconds; the bucket holds [lo, lo+width).
func bucketBounds(i int) (lo, width int64) {
	shift := max(i>>subBits-1, 0)
	return int64(i-shift<<subBits) << shift, 1 << shift
}

// Record adds one duration. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[bucketOf(v)].Add(1)
	h.count.Add(1)
	h.sum.Add(v)
	h.raiseMax(v)
	h.lowerMin(uint64(v) + 1)
}

func (h *Histogram) raiseMax(v int64) {
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

func (h *Histogram) lowerMin(vPlusOne uint64) {
	for {
		m := h.minPlusOne.Load()
		if (m != 0 && m <= vPlusOne) || h.minPlusOne.CompareAndSwap(m, vPlusOne) {
			return
		}
	}
}

// Count returns how many durations have been recorded.
func (h *Histogram) Count() int64 { return h.count.Load() }

// Max returns the largest recorded duration, or 0 if there is none.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Min returns the smallest recorded duration, or 0 if there is none.
func (h *Histogram) Min() time.Duration {
	m := h.minPlusOne.Load()
	if m == 0 {
		return 0
	}
	return time.Duration(m - 1)
}

// Mean returns the average recorded duration, or 0 if there is none.
func (h *Histogram) Mean() time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// Quantile returns the nearest-rank q-quantile of the recorded
// durations: an estimate, within the error bound documented on
// Histogram, of the ceil(q*n)-th smallest. q is clamped to [0, 1];
// Quantile(0) is Min and Quantile(1) is Max, exactly. It returns 0 if
// nothing has been recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	var out [1]time.Duration
	h.quantiles([]float64{q}, out[:])
	return out[0]
}

// quantiles fills out[i] with the qs[i]-quantile, all read from one
// copy of the buckets so that they are consistent with each other even
// while other goroutines record.
func (h *Histogram) quantiles(qs []float64, out []time.Duration) {
	var counts [numBuckets]int64
	var total int64
	for i := range counts {
		counts[i] = h.counts[i].Load()
		total += counts[i]
	}
	lo, hi := h.Min(), h.Max()
	for k, q := range qs {
		switch {
		case total == 0:
			out[k] = 0
		case !(q > 0): // also NaN
			out[k] = lo
		case q >= 1:
			out[k] = hi
		default:
			rank := max(int64(math.Ceil(q*float64(total))), 1)
			out[k] = min(max(pick(&counts, rank), lo), hi)
		}
	}
}

// pick returns the midpoint of the bucket holding the rank-th smallest
// value (1-based). The exact value lies in that bucket, so the
// midpoint is off by at most half a bucket width: width/2 <= lo/64.
func pick(counts *[numBuckets]int64, rank int64) time.Duration {
	var seen int64
	for i, n := range counts {
		seen += n
		if seen >= rank {
			lo, width := bucketBounds(i)
			return time.Duration(lo + width/2)
		}
	}
	return time.Duration(math.MaxInt64) // unreachable: rank <= total; clamped to Max
}

// Merge adds every duration recorded in other to h, as if each had
// been recorded in h too. other may be in use concurrently; a nil other
// adds nothing.
func (h *Histogram) Merge(other *Histogram) {
	if other == nil || other.Count() == 0 {
		return
	}
	for i := range other.counts {
		if n := other.counts[i].Load(); n != 0 {
			h.counts[i].Add(n)
		}
	}
	h.count.Add(other.count.Load())
	h.sum.Add(other.sum.Load())
	h.raiseMax(other.max.Load())
	if m := other.minPlusOne.Load(); m != 0 {
		h.lowerMin(m)
	}
}

// Reset empties the histogram. Durations recorded concurrently with
// Reset may be lost or only partly counted.
func (h *Histogram) Reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
	h.count.Store(0)
	h.sum.Store(0)
	h.max.Store(0)
	h.minPlusOne.Store(0)
}
