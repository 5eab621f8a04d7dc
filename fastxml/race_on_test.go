//go:build race

package fastxml

// raceEnabled: the race detector makes sync.Pool drop items at random,
// so counts of allocations that go round the buffer pool are checked by
// the run without it (make test runs both).
const raceEnabled = true
