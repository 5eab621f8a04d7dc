package metrics

import (
	"encoding/json"
	"expvar"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

var snapshotFields = []string{
	"stanzas_in", "stanzas_out", "bytes_in", "bytes_out", "queue_depth",
	"reconnects", "errors", "latency_count", "latency_mean_us",
	"latency_p50_us", "latency_p90_us", "latency_p99_us", "latency_p999_us",
	"latency_max_us",
}

func TestVarJSON(t *testing.T) {
	var c Counters
	c.StanzasIn.Add(7)
	c.Latency.Record(2 * time.Millisecond)
	var got map[string]int64
	if err := json.Unmarshal([]byte(Var(&c).String()), &got); err != nil {
		t.Fatalf("Var output is not JSON: %v", err)
	}
	checkFields(t, got)
	if got["stanzas_in"] != 7 || got["latency_max_us"] != 2000 {
		t.Fatalf("Var = %v", got)
	}
	c.StanzasIn.Inc() // read afresh each time
	if err := json.Unmarshal([]byte(Var(&c).String()), &got); err != nil || got["stanzas_in"] != 8 {
		t.Fatalf("Var after update = %v (%v), want stanzas_in 8", got, err)
	}
}

func TestPublishDebugVars(t *testing.T) {
	var r Registry
	c := new(Counters)
	c.BytesIn.Add(512)
	r.Add(c)
	Publish("metrics_test_process", &r)

	rec := httptest.NewRecorder()
	expvar.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/debug/vars", nil))
	var vars map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &vars); err != nil {
		t.Fatalf("/debug/vars is not JSON: %v", err)
	}
	var got map[string]int64
	if err := json.Unmarshal(vars["metrics_test_process"], &got); err != nil {
		t.Fatalf("published var %q: %v", vars["metrics_test_process"], err)
	}
	checkFields(t, got)
	if got["bytes_in"] != 512 {
		t.Fatalf("bytes_in = %d, want 512", got["bytes_in"])
	}
}

func checkFields(t *testing.T, got map[string]int64) {
	t.Helper()
	for _, f := range snapshotFields {
		if _, ok := got[f]; !ok {
			t.Errorf("field %q missing", f)
		}
	}
	for f := range got {
		if !slices.Contains(snapshotFields, f) {
			t.Errorf("unexpected field %q", f)
		}
	}
}
