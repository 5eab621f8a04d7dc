package stream

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
)

// An inline reader never waits in a write while its peer waits for it
// to read. Over loopback TCP with 128 KiB socket buffers, the peer
// writes 1000 stanzas of 8 KiB (far more than the buffers hold) before
// it reads a byte; the stream goes on reading, the replies that do not fit the
// socket are finished by the writer goroutine, and they all arrive, in
// order, once the peer reads. (A reader that wrote its replies itself,
// blocking, would deadlock here: each side stuck in a write.)
func TestInlineReaderNeverBlocksInWrite(t *testing.T) {
	for _, inline := range []bool{true, false} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			conn, peer := tcpPair(t)
			for _, c := range []net.Conn{conn, peer} {
				// Not smaller: below twice the loopback MSS, window updates
				// stall and the transfer crawls on zero-window probes.
				c.(*net.TCPConn).SetReadBuffer(128 << 10)
				c.(*net.TCPConn).SetWriteBuffer(128 << 10)
			}
			// The queue takes all the replies (8 MiB): a handler waiting
			// for room would be back-pressure, not what this checks.
			s := New(conn, Config{Inline: inline, QueueBytes: 16 << 20})
			s.RegisterHandler(&Handler{Name: "echo", Match: MustPath("message/body"), Func: func(s *Stream, st *Stanza) {
				echoReply(t, s, st)
			}})
			done := make(chan error, 1)
			go func() { done <- s.Run(context.Background()) }()

			const n = 1000
			body := strings.Repeat("x", 8<<10)
			var all strings.Builder
			all.WriteString(peerHeader)
			for i := 0; i < n; i++ {
				fmt.Fprintf(&all, `<message from='romeo@example.net/o' id='m%d'><body>%s</body></message>`, i, body)
			}
			all.WriteString(`</stream:stream>`)
			wrote := make(chan error, 1)
			go func() {
				peer.SetWriteDeadline(time.Now().Add(10 * time.Second))
				_, err := io.WriteString(peer, all.String())
				wrote <- err
			}()
			if err := <-wrote; err != nil {
				t.Fatalf("the peer could not write before reading: %v (the stream stopped reading)", err)
			}
			r := NewReader(peer, ReaderConfig{})
			if _, err := r.ReadHeader(); err != nil {
				t.Fatal(err)
			}
			var e fastxml.Element
			for i := 0; i < n; i++ {
				if err := r.Next(&e); err != nil {
					t.Fatalf("reply %d: %v", i, err)
				}
				if id, _ := e.Root().Attr("", "id"); string(id.Raw()) != fmt.Sprintf("m%d", i) {
					t.Fatalf("reply %d has id %s", i, id.Raw())
				}
			}
			if err := r.Next(&e); err != io.EOF || !r.Closed() {
				t.Fatalf("after the replies: %v, want our footer", err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not return")
			}
		})
	}
}

// A batch buffer above shrinkAbove is dropped once written, so that a
// burst does not pin its memory, but kept while as much is pending
// again: a stream behind on its writes reuses its two big buffers
// instead of growing one from nothing for every batch.
func TestSendQueueKeepsBigBufferOnlyWhileBehind(t *testing.T) {
	big := make([]byte, shrinkAbove+1)
	for _, c := range []struct {
		name    string
		pending int // bytes queued while the big batch is written
		kept    bool
	}{{"burst over", 100, false}, {"still behind", shrinkAbove, true}} {
		t.Run(c.name, func(t *testing.T) {
			var q sendQueue
			q.init(1<<20, 64<<20)
			q.add, q.start = func() {}, func() {}
			q.open()
			if ok, err := q.tryPut(big, nil); !ok || err != nil {
				t.Fatal(ok, err)
			}
			batch, _, _ := q.take(nil)
			if len(batch) != len(big) {
				t.Fatalf("batch of %d bytes, want %d", len(batch), len(big))
			}
			if ok, err := q.tryPut(make([]byte, c.pending), nil); !ok || err != nil {
				t.Fatal(ok, err)
			}
			q.written(batch)
			q.mu.Lock()
			kept := q.spare != nil && cap(q.spare) == cap(batch)
			q.mu.Unlock()
			if kept != c.kept {
				t.Fatalf("%d bytes pending after a %d-byte batch: buffer kept %v, want %v", c.pending, len(batch), kept, c.kept)
			}
		})
	}
}

// When the inline reader's write of a batch falls short, the writer
// goroutine finishes it, and the whole batch buffer is kept for the
// next batch, not just its unwritten end: otherwise each batch after a
// short write grew a new buffer from a smaller one.
func TestSendQueueKeepsWholeBufferAfterShortWrite(t *testing.T) {
	var q sendQueue
	q.init(1<<20, 64<<20)
	q.add, q.start = func() {}, func() {}
	q.open()
	stanza := make([]byte, 1000)
	for i := 0; i < 50; i++ {
		if ok, err := q.tryPut(stanza, nil); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	batch := q.flush() // the inline reader's
	if len(batch) != 50*len(stanza) {
		t.Fatalf("batch of %d bytes", len(batch))
	}
	q.carryOver(batch, 30000) // its write took 30000 bytes
	rest, _, _ := q.take(nil) // the writer goroutine's
	if len(rest) != len(batch)-30000 {
		t.Fatalf("the writer got %d bytes to finish, want %d", len(rest), len(batch)-30000)
	}
	if b := q.flush(); b != nil {
		t.Fatal("a batch was taken while the carried one was being written")
	}
	q.written(rest)
	q.mu.Lock()
	kept := cap(q.spare) == cap(batch)
	q.mu.Unlock()
	if !kept {
		t.Fatalf("kept a buffer of %d bytes' room, want the whole batch's %d", cap(q.spare), cap(batch))
	}
	// The batch after the next (which is being queued meanwhile, in
	// the buffer the first take swapped in) is queued in the kept one.
	for round := 0; round < 2; round++ {
		for i := 0; i < 50; i++ {
			q.tryPut(stanza, nil)
		}
		next := q.flush()
		if len(next) != 50*len(stanza) {
			t.Fatalf("batch of %d bytes", len(next))
		}
		if round == 1 && &next[0] != &batch[0] {
			t.Fatal("the batch after the next was not queued in the kept buffer")
		}
		q.written(next)
	}
}

// A batch of protocol bytes only (the header, the handshake) is not
// kept once written: an idle stream would hold it for nothing. A batch
// with a stanza in it is, for the next batch.
func TestSendQueueDropsProtocolOnlyBatch(t *testing.T) {
	for _, c := range []struct {
		name   string
		stanza bool // a stanza queued behind the header, in the same batch
		kept   bool
	}{{"header alone", false, false}, {"header and a stanza", true, true}} {
		t.Run(c.name, func(t *testing.T) {
			var q sendQueue
			q.init(1<<20, 64<<20)
			q.add, q.start = func() {}, func() {}
			if err := q.putProto([]byte("<stream:stream>")); err != nil {
				t.Fatal(err)
			}
			q.open()
			if c.stanza {
				if ok, err := q.tryPut([]byte("<message/>"), nil); !ok || err != nil {
					t.Fatal(ok, err)
				}
			}
			batch, _, _ := q.take(nil)
			q.written(batch)
			q.mu.Lock()
			kept := q.spare != nil
			q.mu.Unlock()
			if kept != c.kept {
				t.Fatalf("batch %q: kept %v, want %v", batch, kept, c.kept)
			}
			// The next batch is kept either way.
			if ok, err := q.tryPut([]byte("<message/>"), nil); !ok || err != nil {
				t.Fatal(ok, err)
			}
			batch, _, _ = q.take(nil)
			q.written(batch)
			if q.spare == nil {
				t.Fatal("a batch of a stanza was not kept")
			}
		})
	}
}
