package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocatedInLoad keeps allocateInLoad's allocation alive.
var allocatedInLoad []byte

//go:noinline
func allocateInLoad() { allocatedInLoad = make([]byte, 1<<20) }

// --memprofile's profile is taken at the end of a load phase, not at
// its start, and holds what the load phase allocated (which a profile
// shows only once a collection has run after it).
func TestMemProfileAtTheEndOfTheLoad(t *testing.T) {
	oldFile, oldRate := memprofile, runtime.MemProfileRate
	defer func() { memprofile, runtime.MemProfileRate, allocatedInLoad = oldFile, oldRate, nil }()
	runtime.MemProfileRate = 1
	memprofile = filepath.Join(t.TempDir(), "heap.pprof")
	sample(true) // the load phase starts
	if _, err := os.Stat(memprofile); err == nil {
		t.Fatal("the heap profile was written at the start of the load phase")
	}
	allocateInLoad()
	sampleEnd(false)
	if _, err := os.Stat(memprofile); err != nil {
		t.Fatalf("no heap profile at the end of the load phase: %v", err)
	}
	// What the profile was written from: the runtime's records, as they
	// stand until the next collection.
	records := make([]runtime.MemProfileRecord, 4096)
	n, ok := runtime.MemProfile(records, false)
	if !ok {
		t.Fatalf("more than %d heap profile records", len(records))
	}
	for _, r := range records[:n] {
		for _, pc := range r.Stack() {
			if f := runtime.FuncForPC(pc); f != nil && strings.HasSuffix(f.Name(), ".allocateInLoad") && r.AllocBytes >= 1<<20 {
				return
			}
		}
	}
	t.Error("the heap profile leaves out what the load phase allocated")
}
