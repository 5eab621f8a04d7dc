package stream

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Disconnect sends everything queued, then our footer, waits for the
// peer's, and returns Run's result; the reason is kept.
func TestDisconnectFlushesQueue(t *testing.T) {
	s, p, done := runStream(t, Config{}, nil)
	const n = 200
	for i := 0; i < n; i++ {
		if err := s.SendRaw(context.Background(), []byte(fmt.Sprintf("<presence id='p%d'/>", i))); err != nil {
			t.Fatal(err)
		}
	}
	result := make(chan error, 1)
	go func() { result <- s.Disconnect(5*time.Second, "going home", false) }()
	for i := 0; i < n; i++ {
		p.expect(fmt.Sprintf("<presence id='p%d'/>", i))
	}
	if err := <-p.closed; err != nil {
		t.Fatalf("our footer: %v", err)
	}
	p.write("</stream:stream>")
	if err := <-result; err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
	if r := s.DisconnectReason(); r != "going home" {
		t.Errorf("reason %q", r)
	}
}

// With dropQueue, what is queued and not yet being written is dropped:
// the peer sees our header and then our footer. A peer that never
// closes its side is cut off after wait.
func TestDisconnectDropsQueue(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	s := New(a, Config{})
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	// The writer is stuck writing our header: the peer does not read.
	for s.Stats().Writes.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 50; i++ {
		s.SendRaw(context.Background(), []byte("<presence/>"))
	}
	result := make(chan error, 1)
	go func() { result <- s.Disconnect(100*time.Millisecond, "", true) }()
	for !s.ended.Load() { // the queue is dropped before the stream ends
		time.Sleep(time.Millisecond)
	}
	got, _ := io.ReadAll(b) // until we close the connection
	if bytes.Contains(got, []byte("<presence/>")) || !bytes.HasSuffix(got, []byte("</stream:stream>")) {
		t.Errorf("the peer got %s", got)
	}
	if !strings.HasPrefix(string(got), "<?xml") {
		t.Errorf("no header: %s", got)
	}
	select {
	case <-result:
	case <-time.After(5 * time.Second):
		t.Fatal("Disconnect did not return after its wait")
	}
	<-done
}
