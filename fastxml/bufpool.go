package fastxml

import (
	"math/bits"
	"sync"
)

// Read buffers released by idle scanners (ReleaseBuffer) wait here for
// the next scanner that needs one, in pools by power-of-two size from
// 4 KiB to 1 MiB; other sizes are left to the garbage collector.
const (
	minPooledShift = 12
	maxPooledShift = 20
)

var bufferPools [maxPooledShift - minPooledShift + 1]sync.Pool

// poolIndex returns the pool for buffers of size n, or -1.
func poolIndex(n int) int {
	if n < 1<<minPooledShift || n > 1<<maxPooledShift || n&(n-1) != 0 {
		return -1
	}
	return bits.Len(uint(n)) - 1 - minPooledShift
}

// getBuffer returns a buffer of size n, from the pool when it can, in
// a box that putBuffer takes back (so that a buffer going round the pool
// allocates nothing).
func getBuffer(n int) *[]byte {
	if i := poolIndex(n); i >= 0 {
		if b, ok := bufferPools[i].Get().(*[]byte); ok {
			return b
		}
	}
	b := make([]byte, n)
	return &b
}

// putBuffer keeps the boxed buffer for getBuffer.
func putBuffer(b *[]byte) {
	if i := poolIndex(len(*b)); i >= 0 {
		bufferPools[i].Put(b)
	}
}
