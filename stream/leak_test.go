package stream

import (
	"context"
	"net"
	"runtime"
	"testing"
	"time"
)

// No goroutine is left behind: streams in both dispatch modes, with
// keepalive, idle and stream management timers on, ended by Close (peer answers), Abort,
// Disconnect and the peer hanging up.
func TestNoGoroutineLeft(t *testing.T) {
	settle := func() int {
		n := runtime.NumGoroutine()
		for i := 0; i < 200; i++ {
			time.Sleep(10 * time.Millisecond)
			if m := runtime.NumGoroutine(); m == n {
				return m
			} else {
				n = m
			}
		}
		return n
	}
	before := settle()
	for _, inline := range []bool{false, true} {
		for end := 0; end < 4; end++ {
			a, b := net.Pipe()
			sm := enabledSM(t, &SM{AckTimeout: time.Second})
			s := New(a, Config{Inline: inline, KeepAlive: 5 * time.Millisecond, IdleTimeout: time.Second, SM: sm})
			done := make(chan error, 1)
			go func() { done <- s.Run(context.Background()) }()
			s.SendRaw(context.Background(), []byte("<message id='kept'/>"))
			peerDone := make(chan struct{})
			go func() { // a peer that reads everything and answers the footer
				defer close(peerDone)
				buf := make([]byte, 4096)
				b.Write([]byte(peerHeader + "<presence/>"))
				for {
					n, err := b.Read(buf)
					if err != nil {
						return
					}
					if string(buf[:n]) == "</stream:stream>" || len(buf[:n]) >= 16 && string(buf[n-16:n]) == "</stream:stream>" {
						b.Write([]byte("</stream:stream>"))
					}
				}
			}()
			time.Sleep(20 * time.Millisecond)
			switch end {
			case 0:
				s.Close()
			case 1:
				s.Abort()
			case 2:
				s.Disconnect(time.Second, "bye", false)
			case 3:
				b.Close()
			}
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("inline=%v end=%d: Run did not return", inline, end)
			}
			b.Close()
			<-peerDone
		}
	}
	after := runtime.NumGoroutine()
	for i := 0; i < 300 && after > before; i++ { // goroutines may still be exiting
		time.Sleep(10 * time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}
