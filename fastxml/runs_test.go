package fastxml

import (
	"bytes"
	"testing"
)

// The word-at-a-time runs (attrRun, textRun) stop where a
// byte-by-byte loop over their class stops: for every byte value at
// every position of a run that starts anywhere in an 8-byte word, in
// the word loop or in the tail.
func TestRunsStopWhereTheByteLoopStops(t *testing.T) {
	runs := []struct {
		name  string
		run   func([]byte, int) int
		plain byte // a byte the run goes over
		goes  func(c byte) bool
	}{
		{"attrRun", attrRun, 'q', func(c byte) bool { return byteClass[c]&clsAttrStop == 0 }},
		{"textRun", textRun, 'q', func(c byte) bool { return byteClass[c]&clsTextStop == 0 }},
	}
	for _, r := range runs {
		for n := 1; n <= 20; n++ { // the buffer's length
			for start := 0; start < n; start++ {
				for at := start; at < n; at++ {
					for c := 0; c < 256; c++ {
						b := bytes.Repeat([]byte{r.plain}, n)
						b[at] = byte(c)
						want := start
						for want < n && r.goes(b[want]) {
							want++
						}
						if got := r.run(b, start); got != want {
							t.Fatalf("%s(%q, %d) = %d, want %d", r.name, b, start, got, want)
						}
					}
				}
			}
		}
	}
}
