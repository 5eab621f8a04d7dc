package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procSample is what the process has spent so far: CPU time, heap
// allocations, and memory held.
type procSample struct {
	at         time.Time
	cpu        time.Duration // user + system, this process only (not the peer)
	mallocs    uint64
	allocBytes uint64
	rss        uint64 // resident set, bytes
	heapStacks uint64 // Go heap in use plus goroutine stacks, bytes
}

// sample reads the process's counters. With settle it first collects
// garbage and returns freed memory to the system, so that rss and
// heapStacks show what is live.
func sample(settle bool) procSample {
	if settle {
		runtime.GC()
		debug.FreeOSMemory()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return procSample{
		at:         time.Now(),
		cpu:        time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		mallocs:    ms.Mallocs,
		allocBytes: ms.TotalAlloc,
		rss:        rss(),
		heapStacks: ms.HeapInuse + ms.StackInuse,
	}
}

// sampleEnd is sample at the end of a workload's load phase. With
// --memprofile it then also writes the heap profile, after a collection:
// a heap profile reports as of the last one, and without it the load
// phase's allocations, the ones the profile is asked for, would be left
// out. Each workload's profile replaces the one before.
func sampleEnd(settle bool) procSample {
	s := sample(settle)
	if memprofile != "" {
		if !settle { // (settling collected already)
			runtime.GC()
		}
		if fh, err := os.Create(memprofile); err == nil {
			pprof.WriteHeapProfile(fh)
			fh.Close()
		}
	}
	return s
}

// rss returns the resident set size from /proc/self/statm, or 0 where
// there is none.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// fill sets the cost fields of r from two samples around n stanzas.
func (r *workloadResult) fill(before, after procSample, n int64) {
	r.Stanzas = n
	r.Seconds = after.at.Sub(before.at).Seconds()
	if r.Seconds > 0 {
		r.StanzasPerS = float64(n) / r.Seconds
	}
	if n > 0 {
		r.AllocsPerStanza = float64(after.mallocs-before.mallocs) / float64(n)
		r.BytesPerStanza = float64(after.allocBytes-before.allocBytes) / float64(n)
		r.CPUSPer100k = (after.cpu - before.cpu).Seconds() / float64(n) * 1e5
	}
	r.RSSMiB = float64(after.rss) / (1 << 20)
}
