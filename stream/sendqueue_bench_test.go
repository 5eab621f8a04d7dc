package stream

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/xmppcore/xmppcore/internal/ring"
	"github.com/xmppcore/xmppcore/stanzapool"
)

// The outgoing queue, measured against the designs it was chosen over:
// a buffered channel of buffers (what the stream used first), and the
// SPSC ring made safe for many senders with a mutex. Senders build
// 200-byte stanzas into pooled buffers and queue them; one writer
// drains the queue into batches and "writes" each batch to a counter.
// One op is one stanza; cpu-ns/op is the process's CPU time per stanza.

// outQueue is the contract the three designs fill.
type outQueue interface {
	newBuffer() *stanzapool.Buffer
	send(b *stanzapool.Buffer)
	// drain runs the writer until n stanzas are written.
	drain(n int, write func([]byte))
}

// byteQueue is the stream's sendQueue.
type byteQueue struct {
	q    sendQueue
	pool *stanzapool.Pool
	stop chan struct{}
	kick chan struct{} // the queue's start: wakes drain (a Stream starts a goroutine)
}

func (b *byteQueue) newBuffer() *stanzapool.Buffer {
	if x := b.q.get(); x != nil {
		return x
	}
	return b.pool.Get()
}

func (b *byteQueue) send(x *stanzapool.Buffer) {
	b.q.put(context.Background(), b.stop, x.B, nil, x)
}

func (b *byteQueue) drain(n int, write func([]byte)) {
	for written := 0; written < n; {
		batch, _, exit := b.q.take(b.stop)
		if exit {
			<-b.kick
			continue
		}
		written += len(batch) / benchStanzaLen
		write(batch)
		b.q.written(batch)
	}
}

// chanQueue is a buffered channel of buffers and a free-list channel.
type chanQueue struct {
	out, free chan *stanzapool.Buffer
	pool      *stanzapool.Pool
	wbuf      []byte
}

func (c *chanQueue) newBuffer() *stanzapool.Buffer {
	select {
	case x := <-c.free:
		return x
	default:
		return c.pool.Get()
	}
}

func (c *chanQueue) send(x *stanzapool.Buffer) { c.out <- x }

func (c *chanQueue) drain(n int, write func([]byte)) {
	for written := 0; written < n; {
		x := <-c.out
		c.wbuf = append(c.wbuf[:0], x.B...)
		c.recycle(x)
		written++
		for more := true; more && len(c.wbuf) < holdBytes; {
			select {
			case x := <-c.out:
				c.wbuf = append(c.wbuf, x.B...)
				c.recycle(x)
				written++
			default:
				more = false
			}
		}
		write(c.wbuf)
	}
}

func (c *chanQueue) recycle(x *stanzapool.Buffer) {
	if x.Reuse() {
		select {
		case c.free <- x:
		default:
			x.Release()
		}
	}
}

// ringQueue is the SPSC ring with a mutex serialising the senders.
type ringQueue struct {
	mu   sync.Mutex
	r    *ring.Ring[*stanzapool.Buffer]
	free chan *stanzapool.Buffer
	pool *stanzapool.Pool
	wbuf []byte
	all  []*stanzapool.Buffer
}

func (q *ringQueue) newBuffer() *stanzapool.Buffer {
	select {
	case x := <-q.free:
		return x
	default:
		return q.pool.Get()
	}
}

func (q *ringQueue) send(x *stanzapool.Buffer) {
	q.mu.Lock()
	q.r.Push(context.Background(), x)
	q.mu.Unlock()
}

func (q *ringQueue) drain(n int, write func([]byte)) {
	for written := 0; written < n; {
		var err error
		q.all, err = q.r.PopBatch(context.Background(), q.all[:0])
		if err != nil {
			return
		}
		q.wbuf = q.wbuf[:0]
		for _, x := range q.all {
			q.wbuf = append(q.wbuf, x.B...)
			if x.Reuse() {
				select {
				case q.free <- x:
				default:
					x.Release()
				}
			}
		}
		written += len(q.all)
		write(q.wbuf)
	}
}

const benchStanzaLen = 200

func BenchmarkOutgoingQueue(b *testing.B) {
	stanza := make([]byte, benchStanzaLen)
	for i := range stanza {
		stanza[i] = 'a'
	}
	designs := []struct {
		name string
		make func() outQueue
	}{
		{"bytequeue", func() outQueue {
			q := &byteQueue{pool: &stanzapool.Pool{}, stop: make(chan struct{}), kick: make(chan struct{}, 1)}
			q.q.init(1024, 1<<20)
			q.q.add = func() {}
			q.q.start = func() { signal(q.kick) }
			return q
		}},
		{"channel", func() outQueue {
			return &chanQueue{out: make(chan *stanzapool.Buffer, 1024), free: make(chan *stanzapool.Buffer, 1024+64), pool: &stanzapool.Pool{}}
		}},
		{"ring+mutex", func() outQueue {
			return &ringQueue{r: ring.New[*stanzapool.Buffer](1024), free: make(chan *stanzapool.Buffer, 1024+64), pool: &stanzapool.Pool{}, all: make([]*stanzapool.Buffer, 0, 1024)}
		}},
	}
	for _, senders := range []int{1, 4} {
		for _, d := range designs {
			b.Run(fmt.Sprintf("%s/senders=%d", d.name, senders), func(b *testing.B) {
				q := d.make()
				var bytes atomic.Int64
				b.SetBytes(benchStanzaLen)
				b.ReportAllocs()
				n := b.N / senders * senders
				cpu0 := cpuNanos()
				b.ResetTimer()
				var wg sync.WaitGroup
				for s := 0; s < senders; s++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; i < n/senders; i++ {
							x := q.newBuffer()
							x.B = append(x.B[:0], stanza...)
							q.send(x)
						}
					}()
				}
				q.drain(n, func(p []byte) { bytes.Add(int64(len(p))) })
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(cpuNanos()-cpu0)/float64(max(n, 1)), "cpu-ns/op")
				if got := bytes.Load(); got != int64(n*benchStanzaLen) {
					b.Fatalf("%d bytes written, want %d", got, n*benchStanzaLen)
				}
			})
		}
	}
}
