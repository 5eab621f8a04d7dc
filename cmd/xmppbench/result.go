package main

// workloadResult is one workload's measurement: a row of the table and,
// with --json, one JSON object.
type workloadResult struct {
	Workload        string     `json:"workload"` // echo, sink, latency, idle or idle-tls
	Connections     int        `json:"connections"`
	Stanzas         int64      `json:"stanzas"` // stanzas handled by the client
	Seconds         float64    `json:"seconds"`
	StanzasPerS     float64    `json:"stanzas_per_s"`
	Latency         *latencyUS `json:"latency_us,omitempty"` // latency workload (and echo on a real server)
	AllocsPerStanza float64    `json:"allocs_per_stanza"`
	BytesPerStanza  float64    `json:"bytes_per_stanza"` // heap bytes allocated per stanza
	CPUSPer100k     float64    `json:"cpu_s_per_100k"`   // client CPU seconds (user+sys) per 100 000 stanzas
	RSSMiB          float64    `json:"rss_mib"`          // client resident set at the end
	MemPerConnKiB   float64    `json:"mem_per_conn_kib"` // idle, idle-tls: (RSS growth) per stream
	HeapPerConnKiB  float64    `json:"heap_per_conn_kib,omitempty"`
	ReadsPerStanza  float64    `json:"reads_per_stanza"`  // read calls on the connections
	WritesPerStanza float64    `json:"writes_per_stanza"` // write calls on the connections
	Errors          int64      `json:"errors"`
	Rate            float64    `json:"rate,omitempty"` // latency: the offered rate, stanzas/s (open loop)
	SentLate        float64    `json:"sent_late"`      // latency, floor: the share of stanzas written more than 1 ms after they were due (0 for the others)

	// For the HTML report.
	Percentiles []percentilePoint `json:"percentiles,omitempty"` // latency distribution
	Timeline    []timePoint       `json:"timeline,omitempty"`    // throughput over time
}

// latencyUS are latency percentiles in microseconds.
type latencyUS struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// percentilePoint is one point of a latency distribution.
type percentilePoint struct {
	Percentile float64 `json:"p"`  // 0..100
	Micros     float64 `json:"us"` // latency at that percentile
}

// timePoint is the throughput of one interval of a run.
type timePoint struct {
	Seconds     float64 `json:"t"`    // end of the interval, from the start
	StanzasPerS float64 `json:"rate"` // stanzas per second in the interval
}
