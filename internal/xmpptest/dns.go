package xmpptest

import (
	"net"
	"testing"

	"github.com/miekg/dns"
)

// DNS serves records on a loopback UDP port for the test's life and
// returns its address: names without records get NXDOMAIN.
func DNS(t testing.TB, records map[string][]dns.RR) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) {
		r := new(dns.Msg)
		r.SetReply(m)
		if rrs, ok := records[m.Question[0].Name]; ok {
			r.Answer = rrs
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
