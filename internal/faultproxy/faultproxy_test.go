package faultproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// sink is a target that records everything it reads on each connection.
func sink(t *testing.T) (addr string, got chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan []byte, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				b, _ := io.ReadAll(c)
				c.Close()
				got <- b
			}()
		}
	}()
	return ln.Addr().String(), got
}

func start(t *testing.T, cfg Config) *Proxy {
	t.Helper()
	p, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func recv(t *testing.T, got chan []byte) []byte {
	t.Helper()
	select {
	case b := <-got:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("the target got nothing")
		return nil
	}
}

var payload = bytes.Repeat([]byte("0123456789"), 10)

// A cut at an offset lets exactly the bytes before it through, and the
// client sees a reset, not a clean close.
func TestCutAtOffset(t *testing.T) {
	addr, got := sink(t)
	p := start(t, Config{Target: addr, Plan: func(n int) []Fault { return []Fault{{Kind: Cut, Dir: Up, At: 37}} }})
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(payload)
	if b := recv(t, got); !bytes.Equal(b, payload[:37]) {
		t.Fatalf("target got %q, want the first 37 bytes", b)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("client read after the cut: %v, want a reset", err)
	}
	if p.Cuts() != 1 {
		t.Fatalf("Cuts() = %d", p.Cuts())
	}
}

// Corrupt flips the byte at its offset and nothing else; fragmenting
// and delaying change nothing in the bytes.
func TestCorruptFragmentDelay(t *testing.T) {
	addr, got := sink(t)
	p := start(t, Config{Target: addr, Fragment: true, Delay: time.Millisecond,
		Plan: func(n int) []Fault { return []Fault{{Kind: Corrupt, Dir: Up, At: 5}} }})
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Write(payload)
	c.(*net.TCPConn).CloseWrite()
	want := bytes.Clone(payload)
	want[5] ^= 0xff
	if b := recv(t, got); !bytes.Equal(b, want) {
		t.Fatalf("target got %q\nwant %q", b, want)
	}
	c.Close()
}

// A stall holds the bytes from its offset on for its length.
func TestStall(t *testing.T) {
	addr, got := sink(t)
	const stall = 200 * time.Millisecond
	p := start(t, Config{Target: addr, Plan: func(n int) []Fault { return []Fault{{Kind: Stall, Dir: Up, At: 10, For: stall}} }})
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c.Write(payload)
	c.(*net.TCPConn).CloseWrite()
	if b := recv(t, got); !bytes.Equal(b, payload) {
		t.Fatalf("target got %q", b)
	}
	if d := time.Since(start); d < stall {
		t.Fatalf("the bytes arrived after %v, before the stall ended", d)
	}
	c.Close()
}

// The same seed gives the same plan; another seed another one.
func TestRandomCutsReproducible(t *testing.T) {
	a, b, c := RandomCuts(7, 5, Up, 100, 1e6), RandomCuts(7, 5, Up, 100, 1e6), RandomCuts(8, 5, Up, 100, 1e6)
	same := true
	for n := 0; n < 5; n++ {
		fa, fb, fc := a(n), b(n), c(n)
		if len(fa) != 1 || fa[0] != fb[0] || fa[0].At < 100 || fa[0].At >= 1e6 {
			t.Fatalf("connection %d: %v and %v", n, fa, fb)
		}
		same = same && fa[0] == fc[0]
	}
	if same {
		t.Fatal("seeds 7 and 8 gave the same plan")
	}
	if a(5) != nil {
		t.Fatal("a connection past the planned ones has faults")
	}
}
