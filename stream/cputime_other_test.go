//go:build !unix

package stream

// cpuNanos is not measured on this system.
func cpuNanos() int64 { return 0 }
