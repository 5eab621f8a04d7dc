package stream

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// A stream whose reads fill half its buffer reads on in chunks of
// ReaderConfig.BusyBufferSize (256 KiB by default), and starts again at
// BufferSize after it has waited for input; a negative BusyBufferSize
// keeps BufferSize.
func TestBusyStreamGrowsItsBuffer(t *testing.T) {
	for _, tc := range []struct {
		busy, want int
	}{
		{0, 256 << 10},
		{128 << 10, 128 << 10},
		{-1, 64 << 10},
	} {
		t.Run(fmt.Sprint(tc.busy), func(t *testing.T) {
			conn, peer := tcpPair(t)
			s := New(conn, Config{Inline: true, Reader: ReaderConfig{BusyBufferSize: tc.busy}})
			caps := make(chan int, 8192)
			s.RegisterHandler(&Handler{Name: "cap", Match: MustPath("message/body"), Func: func(s *Stream, st *Stanza) {
				caps <- s.r.Scanner().BufferCap() // the inline reader's goroutine: no race
			}})
			done := make(chan error, 1)
			go func() { done <- s.Run(context.Background()) }()
			io.WriteString(peer, peerHeader)
			const burst = 6000 // about 400 KiB in one write
			var b strings.Builder
			for i := range burst {
				fmt.Fprintf(&b, "<message><body>%05d %s</body></message>", i, strings.Repeat("x", 40))
			}
			io.WriteString(peer, b.String())
			largest := 0
			for range burst {
				select {
				case c := <-caps:
					largest = max(largest, c)
				case <-time.After(5 * time.Second):
					t.Fatal("burst not handled in 5 s")
				}
			}
			if largest != tc.want {
				t.Errorf("largest buffer during a %d-byte burst: %d bytes, want %d", b.Len(), largest, tc.want)
			}
			time.Sleep(20 * time.Millisecond) // more than ReadLinger: the reader waits, without its buffer
			io.WriteString(peer, "<message><body>lone</body></message>")
			select {
			case c := <-caps:
				if c != 64<<10 {
					t.Errorf("buffer after a wait: %d bytes, want BufferSize (%d)", c, 64<<10)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("lone stanza not handled in 5 s")
			}
			io.WriteString(peer, "</stream:stream>")
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
}
