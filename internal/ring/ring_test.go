package ring

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestOrderAcrossGoroutines(t *testing.T) {
	r := New[int](8)
	const n = 200000
	go func() {
		for i := 0; i < n; i++ {
			if err := r.Push(context.Background(), i); err != nil {
				t.Error(err)
				return
			}
		}
		r.Close()
	}()
	for want := 0; ; want++ {
		v, err := r.Pop(context.Background())
		if errors.Is(err, ErrClosed) {
			if want != n {
				t.Fatalf("closed after %d items, want %d", want, n)
			}
			return
		}
		if err != nil || v != want {
			t.Fatalf("got %d (%v), want %d", v, err, want)
		}
	}
}

func TestFullAndEmpty(t *testing.T) {
	r := New[string](3) // rounds up to 4
	if r.Cap() != 4 {
		t.Fatalf("cap %d", r.Cap())
	}
	for i := 0; i < 4; i++ {
		if !r.TryPush("x") {
			t.Fatal("push into a ring with room failed")
		}
	}
	if r.TryPush("y") {
		t.Fatal("push into a full ring succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := r.Push(ctx, "y"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocking push on a full ring: %v", err)
	}
	for i := 0; i < 4; i++ {
		if _, ok := r.TryPop(); !ok {
			t.Fatal("pop from a ring with items failed")
		}
	}
	if _, ok := r.TryPop(); ok {
		t.Fatal("pop from an empty ring succeeded")
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := r.Pop(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocking pop on an empty ring: %v", err)
	}
}

// A parked producer is woken by the consumer making room, and a parked
// consumer by the producer: neither is left waiting.
func TestWakeups(t *testing.T) {
	r := New[int](2)
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 10000; i++ {
			if err := r.Push(context.Background(), i); err != nil {
				done <- err
				return
			}
			if i%97 == 0 {
				time.Sleep(time.Microsecond)
			}
		}
		done <- nil
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := 0; i < 10000; i++ {
		v, err := r.Pop(ctx)
		if err != nil || v != i {
			t.Fatalf("item %d: %d %v", i, v, err)
		}
		if i%89 == 0 {
			time.Sleep(time.Microsecond)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSteadyStateAllocatesNothing(t *testing.T) {
	r := New[*int](16)
	x := new(int)
	if n := testing.AllocsPerRun(1000, func() {
		r.TryPush(x)
		r.TryPop()
	}); n != 0 {
		t.Errorf("%v allocations per push/pop", n)
	}
}

// BenchmarkHandoff moves items from one goroutine to another, through
// the ring and through a buffered channel of the same size.
func BenchmarkHandoff(b *testing.B) {
	const size = 1024
	b.Run("ring", func(b *testing.B) {
		r := New[*int](size)
		x := new(int)
		ctx := context.Background()
		b.ReportAllocs()
		go func() {
			for i := 0; i < b.N; i++ {
				r.Push(ctx, x)
			}
		}()
		for i := 0; i < b.N; i++ {
			if _, err := r.Pop(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ring-batch", func(b *testing.B) {
		r := New[*int](size)
		x := new(int)
		ctx := context.Background()
		batch := make([]*int, 0, 64)
		b.ReportAllocs()
		go func() {
			for i := 0; i < b.N; i++ {
				r.Push(ctx, x)
			}
		}()
		for got := 0; got < b.N; {
			var err error
			if batch, err = r.PopBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			got += len(batch)
		}
	})
	b.Run("channel-batch", func(b *testing.B) {
		c := make(chan *int, size)
		x := new(int)
		batch := make([]*int, 0, 64)
		b.ReportAllocs()
		go func() {
			for i := 0; i < b.N; i++ {
				c <- x
			}
		}()
		for got := 0; got < b.N; {
			batch = append(batch[:0], <-c)
		drain:
			for len(batch) < cap(batch) {
				select {
				case v := <-c:
					batch = append(batch, v)
				default:
					break drain
				}
			}
			got += len(batch)
		}
	})
	b.Run("channel", func(b *testing.B) {
		c := make(chan *int, size)
		x := new(int)
		b.ReportAllocs()
		go func() {
			for i := 0; i < b.N; i++ {
				c <- x
			}
		}()
		for i := 0; i < b.N; i++ {
			<-c
		}
	})
}
