package tls

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/miekg/dns"
	"github.com/xmppcore/xmppcore/internal/xmpptest"
)

func srv(name string, prio, weight, port uint16, target string) dns.RR {
	return xmpptest.SRV(name, prio, weight, port, target)
}

func TestTargets(t *testing.T) {
	addr := xmpptest.DNS(t, map[string][]dns.RR{
		"_xmpps-client._tcp.example.test.": {srv("_xmpps-client._tcp.example.test.", 5, 0, 5223, "tls.example.test.")},
		"_xmpp-client._tcp.example.test.": {
			srv("_xmpp-client._tcp.example.test.", 20, 0, 5222, "b.example.test."),
			srv("_xmpp-client._tcp.example.test.", 10, 0, 5222, "a.example.test."),
		},
		"_xmpp-client._tcp.none.test.": {srv("_xmpp-client._tcp.none.test.", 0, 0, 0, ".")},
	})
	r := &Resolver{Server: addr}
	ctx := context.Background()
	got, err := r.Targets(ctx, "example.test", true)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{"tls.example.test", 5223, true}, {"a.example.test", 5222, false}, {"b.example.test", 5222, false}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("targets %v, want %v", got, want)
	}
	if got, _ := r.Targets(ctx, "example.test", false); !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("without direct TLS: %v, want %v", got, want[1:])
	}
	// No records: the domain itself, on the default port.
	if got, _ := r.Targets(ctx, "plain.test", false); !reflect.DeepEqual(got, []Target{{"plain.test", 5222, false}}) {
		t.Errorf("fallback %v", got)
	}
	if got, _ := r.Targets(ctx, "plain.test", true); !reflect.DeepEqual(got, []Target{{"plain.test", 5223, true}}) {
		t.Errorf("direct TLS fallback %v", got)
	}
	if _, err := r.Targets(ctx, "none.test", false); !errors.Is(err, ErrNoService) {
		t.Errorf("target '.': %v", err)
	}
}

// Within one priority, records come first in proportion to their
// weights (RFC 2782): 90 against 10 puts the first in front about 90 %
// of the time.
func TestOrderByWeight(t *testing.T) {
	recs := []*dns.SRV{
		srv("x.", 1, 10, 1, "light.").(*dns.SRV),
		srv("x.", 1, 90, 2, "heavy.").(*dns.SRV),
		srv("x.", 0, 0, 3, "first.").(*dns.SRV),
	}
	heavy := 0
	const n = 2000
	for i := 0; i < n; i++ {
		o := order(recs)
		if o[0].Target != "first." || len(o) != 3 {
			t.Fatalf("priority 0 not first: %v", o)
		}
		if o[1].Target == "heavy." {
			heavy++
		}
	}
	// Expected 91/101 of n = 1802, standard deviation about 13.
	if heavy < 1650 || heavy > 1900 {
		t.Errorf("the weight-90 record came first %d times in %d", heavy, n)
	}
}
