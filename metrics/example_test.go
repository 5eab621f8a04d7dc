package metrics_test

import (
	"expvar"
	"fmt"
	"time"

	"github.com/xmppcore/xmppcore/metrics"
)

// Publish a process's totals through expvar; a program serving
// http.DefaultServeMux shows them at /debug/vars.
func ExamplePublish() {
	var streams metrics.Registry
	metrics.Publish("xmpp_example", &streams)

	// One Counters per stream, registered while the stream lives.
	c := new(metrics.Counters)
	streams.Add(c)
	c.StanzasIn.Inc()
	c.BytesIn.Add(120)
	c.StanzasOut.Inc()
	c.BytesOut.Add(80)
	c.Latency.Record(1500 * time.Microsecond)
	streams.Remove(c) // the stream closed; its counts stay in the totals

	fmt.Println(expvar.Get("xmpp_example"))
	// Output:
	// {"stanzas_in":1,"stanzas_out":1,"bytes_in":120,"bytes_out":80,"queue_depth":0,"reconnects":0,"errors":0,"latency_count":1,"latency_mean_us":1500,"latency_p50_us":1500,"latency_p90_us":1500,"latency_p99_us":1500,"latency_p999_us":1500,"latency_max_us":1500}
}

func ExampleHistogram() {
	var h metrics.Histogram // the zero value is ready
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	// Percentiles are within 1/64 of the exact ones (500ms and 990ms
	// here); Min, Max and Mean are exact.
	fmt.Println("count", h.Count())
	fmt.Println("p50  ", h.Quantile(0.50).Round(time.Millisecond))
	fmt.Println("p99  ", h.Quantile(0.99).Round(time.Millisecond))
	fmt.Println("max  ", h.Max())
	// Output:
	// count 1000
	// p50   499ms
	// p99   998ms
	// max   1s
}
