package stanzapool

import (
	"bytes"
	"sync"
	"testing"
)

func TestGetAppendRelease(t *testing.T) {
	var p Pool
	b := p.Get()
	b.B = append(b.B, "<message/>"...)
	if string(b.Bytes()) != "<message/>" || b.Len() != 10 {
		t.Fatalf("%q", b.Bytes())
	}
	b.Release()
	c := p.Get()
	if c.Len() != 0 {
		t.Errorf("a buffer from the pool is not empty: %q", c.Bytes())
	}
	c.Release()
}

func TestRetainRelease(t *testing.T) {
	var p Pool
	b := p.Clone([]byte("hello"))
	b.Retain().Retain()
	b.Release()
	b.Release()
	if string(b.Bytes()) != "hello" {
		t.Fatal("released while a reference was held")
	}
	b.Release()
	defer func() {
		if recover() == nil {
			t.Error("a Release too many did not panic")
		}
	}()
	b.Release()
}

// The hard cap: a buffer grown past MaxBytes is never kept.
func TestCapDropsOversizedBuffers(t *testing.T) {
	if debug {
		t.Skip("xmppcoredebug builds never reuse buffers")
	}
	p := Pool{MaxBytes: 1024}
	b := p.Get()
	b.B = append(b.B, make([]byte, 64<<10)...)
	b.Release()
	if _, dropped := p.Stats(); dropped != 1 {
		t.Fatalf("dropped = %d, want 1", dropped)
	}
	for i := 0; i < 100; i++ {
		c := p.Get()
		if cap(c.B) > 1024 {
			t.Fatalf("the pool handed out a %d-byte buffer over its 1024-byte cap", cap(c.B))
		}
		c.Release()
	}
}

func TestSteadyStateAllocatesNothing(t *testing.T) {
	if debug {
		t.Skip("xmppcoredebug builds never reuse buffers")
	}
	var p Pool
	stanza := []byte(`<message to='juliet@example.com'><body>hi</body></message>`)
	for i := 0; i < 10; i++ {
		p.Clone(stanza).Release()
	}
	if n := testing.AllocsPerRun(1000, func() {
		b := p.Clone(stanza)
		b.Retain()
		b.Release()
		b.Release()
	}); n != 0 {
		t.Errorf("%v allocations per Get/Retain/Release cycle, want 0", n)
	}
}

func TestConcurrentHolders(t *testing.T) {
	var p Pool
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				b := p.Clone([]byte("<presence/>"))
				b.Retain()
				done := make(chan struct{})
				go func() {
					if !bytes.Equal(b.Bytes(), []byte("<presence/>")) {
						t.Error("a holder saw another stanza's bytes")
					}
					b.Release()
					close(done)
				}()
				b.Release()
				<-done
			}
		}()
	}
	wg.Wait()
}

func TestReuse(t *testing.T) {
	var p Pool
	b := p.Clone([]byte("<message/>"))
	b.Retain()
	if b.Reuse() {
		t.Fatal("Reuse of a shared buffer emptied it")
	}
	if string(b.Bytes()) != "<message/>" {
		t.Fatal("the other holder lost its bytes")
	}
	if !debug {
		if !b.Reuse() || b.Len() != 0 {
			t.Fatal("Reuse of a sole-owned buffer did not empty it")
		}
	}
	b.Release()
}
