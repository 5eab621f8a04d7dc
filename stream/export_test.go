package stream

// CPUNanos is cpuNanos for the external test package's benchmarks.
var CPUNanos = cpuNanos
