package stream

import (
	"context"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rcvLowat reads the socket's SO_RCVLOWAT (-1 if it cannot).
func rcvLowat(s *Stream) int {
	v := -1
	s.sock.rc.Control(func(fd uintptr) {
		if n, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT); err == nil {
			v = n
		}
	})
	return v
}

// A stream reading a socket that is ahead of it raises the socket's
// receive low-water mark (rawSocket.setBusy), and puts it back at one
// byte before it waits: a lone stanza after a busy burst, and the end
// of a stanza cut after one, still arrive. With the mark left high,
// either wait would last until 256 KiB more came, that is forever here.
func TestBusySocketWaitsForOneByte(t *testing.T) {
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			conn, peer := tcpPair(t)
			s := New(conn, Config{Inline: inline})
			type seen struct {
				body  string
				lowat int
			}
			got := make(chan seen, 1024)
			s.RegisterHandler(&Handler{Name: "body", Match: MustPath("message/body"), Func: func(s *Stream, st *Stanza) {
				got <- seen{string(st.Root().ChildLocal("body").AppendText(nil)), rcvLowat(s)}
			}})
			done := make(chan error, 1)
			go func() { done <- s.Run(context.Background()) }()
			io.WriteString(peer, peerHeader)
			const burst = 1500 // about 60 KiB: more than busyRead in one write
			msg := func(i int) string {
				return fmt.Sprintf("<message><body>%04d %s</body></message>", i, strings.Repeat("x", 8))
			}
			burstOf := func(from int) string {
				var b strings.Builder
				for i := from; i < from+burst; i++ {
					b.WriteString(msg(i))
				}
				return b.String()
			}
			busy := 0
			wait := func(i int) seen {
				t.Helper()
				want := fmt.Sprintf("%04d", i)
				select {
				case g := <-got:
					if !strings.HasPrefix(g.body, want) {
						t.Fatalf("got %q, want %s", g.body, want)
					}
					if g.lowat < 1 {
						t.Fatalf("message %s: cannot read SO_RCVLOWAT", want)
					}
					if g.lowat > 1 {
						busy++
					}
					return g
				case <-time.After(5 * time.Second):
					t.Fatalf("message %s not handled in 5 s: the socket's low-water mark was left high for a wait", want)
				}
				return seen{}
			}
			// A burst that ends with a stanza: the reader, out of input,
			// waits between stanzas (idle); then a lone stanza.
			io.WriteString(peer, burstOf(0))
			for i := range burst {
				wait(i)
			}
			// (On the dispatcher, handlers may run after the reader has
			// read the whole burst and gone back to waiting.)
			if inline && busy == 0 {
				t.Errorf("the low-water mark stayed at one byte during a %d-stanza burst", burst)
			}
			time.Sleep(20 * time.Millisecond)
			io.WriteString(peer, msg(burst))
			if g := wait(burst); g.lowat != 1 {
				t.Errorf("low-water mark %d after a small read, want 1 (a quiet socket is not busy)", g.lowat)
			}
			// A burst, then half a stanza: the reader, busy, needs the
			// rest and waits for it inside the stanza.
			last := msg(2*burst + 1)
			io.WriteString(peer, burstOf(burst+1)+last[:len(last)/2])
			for i := burst + 1; i <= 2*burst; i++ {
				wait(i)
			}
			time.Sleep(20 * time.Millisecond)
			io.WriteString(peer, last[len(last)/2:])
			wait(2*burst + 1)
			io.WriteString(peer, "</stream:stream>")
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
}
