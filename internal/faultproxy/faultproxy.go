// Package faultproxy is a loopback TCP proxy that breaks connections on
// purpose, for tests: it cuts them (no stream close: both sides get a
// reset), stalls them, delays every chunk, splits them into 1-byte
// writes, or corrupts a byte, at chosen byte offsets. A plan drawn from
// a seed (RandomCuts) makes a run reproducible.
package faultproxy

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is what a Fault does.
type Kind int

const (
	// Cut resets both sides of the connection: neither gets a stream
	// close, as when a NAT forgets the flow or a cable is pulled.
	Cut Kind = iota
	// Stall stops forwarding in the fault's direction for For.
	Stall
	// Corrupt flips the bits of the byte at the offset.
	Corrupt
)

// Dir is a direction of traffic.
type Dir int

const (
	Up   Dir = iota // from the client (who connected to the proxy) to the target
	Down            // from the target to the client
)

// Fault is one event in a connection's plan: Kind happens in direction
// Dir when the byte at offset At (counted from the connection's start
// in that direction) is about to be forwarded.
type Fault struct {
	Kind Kind
	Dir  Dir
	At   int64
	For  time.Duration // Stall's length
}

// Config configures a Proxy. Only Target is required.
type Config struct {
	// Target is the address to forward to.
	Target string
	// Plan returns the faults for the n-th connection accepted (from 0);
	// nil: none.
	Plan func(n int) []Fault
	// Delay holds every chunk for this long before forwarding it.
	Delay time.Duration
	// Fragment forwards one byte per write.
	Fragment bool
}

// Proxy is a running fault-injection proxy.
type Proxy struct {
	cfg  Config
	ln   net.Listener
	n    atomic.Int64 // connections accepted
	cuts atomic.Int64
	mu   sync.Mutex
	live map[*pair]struct{}
	wg   sync.WaitGroup
}

// Start listens on a loopback port and forwards to cfg.Target.
func Start(cfg Config) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, ln: ln, live: map[*pair]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's address, to connect to instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Conns returns how many connections the proxy accepted.
func (p *Proxy) Conns() int { return int(p.n.Load()) }

// Cuts returns how many connections the proxy cut.
func (p *Proxy) Cuts() int { return int(p.cuts.Load()) }

// CutAll cuts every connection open now, as a Cut fault does.
func (p *Proxy) CutAll() int {
	p.mu.Lock()
	pairs := make([]*pair, 0, len(p.live))
	for c := range p.live {
		pairs = append(pairs, c)
	}
	p.mu.Unlock()
	n := 0
	for _, c := range pairs {
		if c.cut() {
			n++
		}
	}
	return n
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	for c := range p.live {
		c.close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		n := int(p.n.Add(1) - 1)
		var plan []Fault
		if p.cfg.Plan != nil {
			plan = p.cfg.Plan(n)
		}
		p.wg.Add(1)
		go p.serve(c, plan)
	}
}

// pair is one proxied connection.
type pair struct {
	p          *Proxy
	client, up net.Conn
	once       sync.Once
}

func (p *Proxy) serve(client net.Conn, plan []Fault) {
	defer p.wg.Done()
	up, err := net.DialTimeout("tcp", p.cfg.Target, 10*time.Second)
	if err != nil {
		client.Close()
		return
	}
	c := &pair{p: p, client: client, up: up}
	p.mu.Lock()
	p.live[c] = struct{}{}
	p.mu.Unlock()
	var faults [2][]Fault
	for _, f := range plan {
		faults[f.Dir] = append(faults[f.Dir], f)
	}
	// A direction that ends with a clean end of input passes it on as a
	// half close, and the other goes on; any other end closes both.
	done := make(chan bool, 2)
	go func() { done <- c.forward(client, up, faults[Up]) }()
	go func() { done <- c.forward(up, client, faults[Down]) }()
	for range 2 {
		if !<-done {
			c.close()
		}
	}
	c.close()
	p.mu.Lock()
	delete(p.live, c)
	p.mu.Unlock()
}

// cut resets both connections (SO_LINGER 0: an RST, no FIN), once.
func (c *pair) cut() bool {
	did := false
	c.once.Do(func() {
		c.p.cuts.Add(1) // counted before either side can see the cut
		did = true
		for _, x := range []net.Conn{c.client, c.up} {
			if t, ok := x.(*net.TCPConn); ok {
				t.SetLinger(0)
			}
			x.Close()
		}
	})
	return did
}

// close closes both connections (a normal close: FIN), once.
func (c *pair) close() {
	c.once.Do(func() {
		c.client.Close()
		c.up.Close()
	})
}

// forward copies src to dst, applying the faults (sorted by At) on the
// way. It reports whether src ended cleanly.
func (c *pair) forward(src, dst net.Conn, faults []Fault) bool {
	buf := make([]byte, 32<<10)
	var off int64
	for {
		n, err := src.Read(buf)
		chunk := buf[:n]
		for len(chunk) > 0 {
			// The part before the next fault goes as it is.
			k := len(chunk)
			if len(faults) > 0 && faults[0].At < off+int64(k) {
				k = int(max(faults[0].At-off, 0))
			}
			if k > 0 {
				if !c.write(dst, chunk[:k]) {
					return false
				}
				off += int64(k)
				chunk = chunk[k:]
				continue
			}
			f := faults[0]
			faults = faults[1:]
			switch f.Kind {
			case Cut:
				c.cut()
				return false
			case Stall:
				time.Sleep(f.For)
			case Corrupt:
				chunk[0] ^= 0xff
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return false
			}
			if t, ok := dst.(*net.TCPConn); ok {
				t.CloseWrite()
			}
			return true
		}
	}
}

// write forwards a chunk, with the configured delay and fragmentation.
func (c *pair) write(dst net.Conn, b []byte) bool {
	if d := c.p.cfg.Delay; d > 0 {
		time.Sleep(d)
	}
	if !c.p.cfg.Fragment {
		_, err := dst.Write(b)
		return err == nil
	}
	for i := range b {
		if _, err := dst.Write(b[i : i+1]); err != nil {
			return false
		}
	}
	return true
}

// RandomCuts returns a plan that cuts each of the first conns
// connections once, in direction dir, at an offset drawn from seed in
// [min, max); later connections are left alone. The same seed gives the
// same plan.
func RandomCuts(seed uint64, conns int, dir Dir, min, max int64) func(n int) []Fault {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	at := make([]int64, conns)
	for i := range at {
		at[i] = min + r.Int64N(max-min)
	}
	return func(n int) []Fault {
		if n >= conns {
			return nil
		}
		return []Fault{{Kind: Cut, Dir: dir, At: at[n]}}
	}
}
