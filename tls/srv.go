package tls

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Target is one place to connect to for an XMPP domain.
type Target struct {
	Host      string // a host name or address, without the trailing dot
	Port      int
	DirectTLS bool // speak TLS from the first byte (XEP-0368)
}

// Addr returns host:port.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// ErrNoService is returned when the domain's SRV records say it offers
// no XMPP client service (a single record with target ".").
var ErrNoService = errors.New("tls: the domain's SRV records say it has no XMPP client service")

// Resolver finds where to connect for an XMPP domain with DNS SRV
// (RFC 6120 §3.2, XEP-0368), asking one DNS server with
// github.com/miekg/dns. The zero value asks the first nameserver of
// /etc/resolv.conf.
type Resolver struct {
	// Server is the DNS server, host:port. Default: from /etc/resolv.conf.
	Server string
	// Timeout bounds each query. Default 5 s.
	Timeout time.Duration
}

// Targets returns where to connect for domain, in the order to try:
// the _xmpps-client._tcp records (direct TLS) first when directTLS is
// allowed, then the _xmpp-client._tcp records, each set ordered by
// priority and, within a priority, by a weighted random choice (RFC
// 2782). Without any record it falls back to the domain itself, on port
// 5223 with directTLS, else 5222.
func (r *Resolver) Targets(ctx context.Context, domain string, directTLS bool) ([]Target, error) {
	server, err := r.server()
	if err != nil {
		return nil, err
	}
	var out []Target
	services := []string{"_xmpp-client._tcp."}
	if directTLS {
		services = []string{"_xmpps-client._tcp.", "_xmpp-client._tcp."}
	}
	sawNone := false
	for _, svc := range services {
		recs, err := r.lookupSRV(ctx, server, svc+dns.Fqdn(domain))
		if err != nil {
			return nil, err
		}
		if len(recs) == 1 && recs[0].Target == "." {
			sawNone = true
			continue
		}
		for _, rec := range order(recs) {
			out = append(out, Target{Host: strings.TrimSuffix(rec.Target, "."), Port: int(rec.Port), DirectTLS: svc == "_xmpps-client._tcp."})
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if sawNone {
		return nil, ErrNoService
	}
	if directTLS {
		return []Target{{Host: domain, Port: 5223, DirectTLS: true}}, nil
	}
	return []Target{{Host: domain, Port: 5222}}, nil
}

func (r *Resolver) server() (string, error) {
	if r.Server != "" {
		return r.Server, nil
	}
	cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil {
		return "", fmt.Errorf("tls: no DNS server: %w", err)
	}
	if len(cc.Servers) == 0 {
		return "", errors.New("tls: no nameserver in /etc/resolv.conf")
	}
	return net.JoinHostPort(cc.Servers[0], cc.Port), nil
}

// lookupSRV asks server for the SRV records of name; a name without
// records is no records, not an error.
func (r *Resolver) lookupSRV(ctx context.Context, server, name string) ([]*dns.SRV, error) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	c := &dns.Client{Timeout: timeout}
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeSRV)
	in, _, err := c.ExchangeContext(ctx, m, server)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return nil, fmt.Errorf("tls: SRV lookup of %s: %w", name, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return nil, fmt.Errorf("tls: SRV lookup of %s: %s", name, dns.RcodeToString[in.Rcode])
	}
	var recs []*dns.SRV
	for _, rr := range in.Answer {
		if srv, ok := rr.(*dns.SRV); ok {
			recs = append(recs, srv)
		}
	}
	return recs, nil
}

// order sorts SRV records by priority and, within one priority, picks
// them at random in proportion to their weights (RFC 2782).
func order(recs []*dns.SRV) []*dns.SRV {
	recs = slices.Clone(recs)
	slices.SortStableFunc(recs, func(a, b *dns.SRV) int { return int(a.Priority) - int(b.Priority) })
	out := make([]*dns.SRV, 0, len(recs))
	for i := 0; i < len(recs); {
		j := i
		for j < len(recs) && recs[j].Priority == recs[i].Priority {
			j++
		}
		group := slices.Clone(recs[i:j])
		// Zero weights first, so that they have a small chance too.
		slices.SortStableFunc(group, func(a, b *dns.SRV) int { return min(int(a.Weight), 1) - min(int(b.Weight), 1) })
		for len(group) > 0 {
			total := 0
			for _, r := range group {
				total += int(r.Weight)
			}
			pick := rand.IntN(total + 1)
			k, sum := 0, 0
			for k = range group {
				if sum += int(group[k].Weight); sum >= pick {
					break
				}
			}
			out = append(out, group[k])
			group = slices.Delete(group, k, k+1)
		}
		i = j
	}
	return out
}
