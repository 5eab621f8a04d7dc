package stream

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/xmpptest"
)

// A socket under TLS, wrapped by BusySocket: a burst raises its receive
// low-water mark, and a few bytes after it still arrive (the mark is
// back at one byte before the read waits; left high, the read would
// wait for 256 KiB more, forever here).
func TestBusySocketUnderTLS(t *testing.T) {
	caFile, certFile, keyFile := xmpptest.Certs(t, "example.net")
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)

	raw, peerRaw := tcpPair(t)
	wrapped := BusySocket(raw)
	if _, ok := wrapped.(*busySocket); !ok {
		t.Fatalf("BusySocket(%T) = %T, want the wrapper", raw, wrapped)
	}
	client := tls.Client(wrapped, &tls.Config{RootCAs: roots, ServerName: "example.net"})
	peer := tls.Server(peerRaw, &tls.Config{Certificates: []tls.Certificate{cert}})
	lowat := func() int {
		v := -1
		rc, _ := raw.(syscall.Conn).SyscallConn()
		rc.Control(func(fd uintptr) {
			v, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT)
		})
		return v
	}
	burst := bytes.Repeat([]byte("0123456789abcdef"), 64<<10/16)
	go func() {
		peer.Write(burst)
		time.Sleep(20 * time.Millisecond) // the client has read the burst and waits
		peer.Write([]byte("after"))
	}()
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 0, len(burst))
	buf := make([]byte, 32<<10)
	busy := 0
	for len(got) < len(burst) {
		n, err := client.Read(buf)
		if err != nil {
			t.Fatalf("after %d bytes of the burst: %v", len(got), err)
		}
		got = append(got, buf[:n]...)
		if lowat() > 1 {
			busy++
		}
	}
	if !bytes.Equal(got, burst) {
		t.Fatal("the burst came through changed")
	}
	if busy == 0 {
		t.Error("the low-water mark stayed at one byte during a 64 KiB burst")
	}
	n, err := io.ReadAtLeast(client, buf, len("after"))
	if err != nil || string(buf[:n]) != "after" {
		t.Fatalf("after the burst: %q, %v (the low-water mark was left high for a wait?)", buf[:n], err)
	}
	if v := lowat(); v != 1 {
		t.Errorf("low-water mark %d after a small read, want 1", v)
	}
}

// What is not a socket is returned as it is.
func TestBusySocketLeavesOtherConnections(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if c := BusySocket(a); c != a {
		t.Errorf("BusySocket(net.Pipe end) = %T, want it unwrapped", c)
	}
}
