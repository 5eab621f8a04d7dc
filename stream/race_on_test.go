//go:build race

package stream

// raceEnabled: the race detector makes sync.Pool drop items at random
// and slows every goroutine, so allocation counts and batch sizes are
// checked by the run without it (make test runs both).
const raceEnabled = true
