//go:build linux

package client

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/xmppcore/xmppcore/internal/xmpptest"
)

// blackhole listens on [::1]:port with a full accept queue, so that a
// further connection attempt gets no answer at all: its SYNs are
// dropped, as on a network where IPv6 is routed nowhere. It skips the
// test when the machine has no IPv6 loopback.
func blackhole(t *testing.T, port int) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skipf("no IPv6 socket on this machine: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet6{Port: port, Addr: [16]byte{15: 1}}); err != nil {
		t.Skipf("cannot bind [::1]:%d (no IPv6 loopback?): %v", port, err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("::1", strconv.Itoa(port))
	for range 8 {
		c, err := (&net.Dialer{Timeout: 500 * time.Millisecond}).Dial("tcp6", addr)
		if err != nil {
			return // the queue is full: attempts now hang
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not fill the accept queue of [::1] to make it unresponsive")
}

// synSent reports whether a connection attempt to [::1]:port is waiting
// for an answer (a socket in SYN_SENT in /proc/net/tcp6).
func synSent(port int) bool {
	b, err := os.ReadFile("/proc/net/tcp6")
	if err != nil {
		return false
	}
	suffix := fmt.Sprintf(":%04X", port)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[3] == "02" && strings.HasSuffix(f[2], suffix) {
			return true
		}
	}
	return false
}

// A name with an AAAA address that never answers and an A address that
// does: the IPv4 attempt starts while the IPv6 one still hangs (RFC 6555
// happy eyeballs, net.Dialer's), so the session comes up without waiting
// for the hanging attempt to fail. The Control hook records the attempts
// in order and whether the IPv6 one was still pending (in the kernel's
// table) when the IPv4 one began; a serial dialer would have given up on
// it first. With NoIPv6 only IPv4 is tried.
func TestHappyEyeballs(t *testing.T) {
	srv := xmpptest.StartProsody(t)
	blackhole(t, srv.C2SPort)
	dnsAddr := xmpptest.DNS(t, map[string][]dns.RR{"xmpp.test.": {
		xmpptest.A("xmpp.test.", net.ParseIP("::1")),
		xmpptest.A("xmpp.test.", net.ParseIP("127.0.0.1")),
	}})
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", dnsAddr)
	}}
	for _, noIPv6 := range []bool{false, true} {
		t.Run("NoIPv6="+strconv.FormatBool(noIPv6), func(t *testing.T) {
			var mu sync.Mutex
			var attempts []string
			d := &net.Dialer{Resolver: resolver, Control: func(network, address string, _ syscall.RawConn) error {
				a := network + " " + address
				if network == "tcp4" && synSent(srv.C2SPort) {
					a += " (IPv6 pending)"
				}
				mu.Lock()
				attempts = append(attempts, a)
				mu.Unlock()
				return nil
			}}
			// The hanging attempt alone would outlive this context.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := Dial(ctx, Config{
				JID: srv.Users[0].JID, Password: srv.Users[0].Password, CAFile: srv.CAFile,
				Addr: net.JoinHostPort("xmpp.test", strconv.Itoa(srv.C2SPort)), Dialer: d, NoIPv6: noIPv6,
			})
			if err != nil {
				t.Fatalf("Dial: %v (attempts %q)", err, attempts)
			}
			s.Close()
			mu.Lock()
			defer mu.Unlock()
			port := strconv.Itoa(srv.C2SPort)
			v6, v4 := "tcp6 [::1]:"+port, "tcp4 127.0.0.1:"+port
			if noIPv6 {
				if len(attempts) != 1 || attempts[0] != v4 {
					t.Fatalf("attempts %q, want only %q", attempts, v4)
				}
				return
			}
			if len(attempts) != 2 || attempts[0] != v6 || attempts[1] != v4+" (IPv6 pending)" {
				t.Fatalf("attempts %q, want %q, then %q while the first still hung", attempts, v6, v4)
			}
		})
	}
}
