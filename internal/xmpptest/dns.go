package xmpptest

import (
	"net"
	"testing"

	"github.com/miekg/dns"
)

// DNS serves records on a loopback UDP port for the test's life and
// returns its address. A query is answered with the name's records of
// the type asked; names without records get NXDOMAIN.
func DNS(t testing.TB, records map[string][]dns.RR) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) {
		r := new(dns.Msg)
		r.SetReply(m)
		q := m.Question[0]
		if rrs, ok := records[q.Name]; ok {
			for _, rr := range rrs {
				if rr.Header().Rrtype == q.Qtype {
					r.Answer = append(r.Answer, rr)
				}
			}
		} else {
			r.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(r)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// SRV is an SRV record.
func SRV(name string, priority, weight, port uint16, target string) *dns.SRV {
	return &dns.SRV{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: 60},
		Priority: priority, Weight: weight, Port: port, Target: target}
}

// A is an A record (AAAA when ip is IPv6).
func A(name string, ip net.IP) dns.RR {
	if ip4 := ip.To4(); ip4 != nil {
		return &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: ip4}
	}
	return &dns.AAAA{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeAAAA, Class: dns.ClassINET, Ttl: 60}, AAAA: ip}
}
