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

// tagFast scans attribute values with attrRun's word loop written out
// in place. Through it, in a stanza's root and in a child, a value with
// any byte at any position reads as the resumable path reads it, one
// byte per read: the same tree, or the same error at the same offset.
func TestFastPathAttrValuesEveryByte(t *testing.T) {
	const head = `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`
	s := NewScanner(nil, Options{Stream: true, BufferSize: 1})
	for n := 1; n <= 17; n++ { // the value's length: two words and a tail
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				v := bytes.Repeat([]byte{'q'}, n)
				v[at] = byte(c)
				in := []byte(head + `<m a='` + string(v) + `' b='x'><c d="` + string(v) + `"/></m>`)
				s.ResetBytes(in)
				fast := dumpNextElements(s, true)
				s.Reset(&chunkReader{data: in, sizes: []int{1}})
				if slow := dumpNextElements(s, true); fast != slow {
					t.Fatalf("value %q: whole:\n%s\none byte per read:\n%s", v, fast, slow)
				}
			}
		}
	}
}
