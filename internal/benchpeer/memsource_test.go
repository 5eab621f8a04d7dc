package benchpeer

import (
	"io"
	"strings"
	"testing"
)

// A MemSource serves its header, every copy and its footer, in whatever
// sizes it is read, then io.EOF for good.
func TestMemSource(t *testing.T) {
	for _, c := range []struct {
		per, n  int
		footer  string
		readLen int
	}{
		{3, 7, "</s>", 5}, {3, 6, "", 1}, {300, 1000, "</stream:stream>", 64 << 10}, {0, 2, "", 4}, {4, 0, "</s>", 3},
	} {
		m := NewMemSource("<s>", []byte("<m/>"), c.per, c.n, c.footer)
		var got strings.Builder
		buf := make([]byte, c.readLen)
		for {
			k, err := m.Read(buf)
			got.Write(buf[:k])
			if err == io.EOF {
				break
			}
			if err != nil || k == 0 {
				t.Fatalf("%+v: read %d, %v", c, k, err)
			}
		}
		if want := "<s>" + strings.Repeat("<m/>", c.n) + c.footer; got.String() != want {
			t.Errorf("%+v: served %q, want %q", c, got.String(), want)
		}
		if k, err := m.Read(buf); k != 0 || err != io.EOF {
			t.Errorf("%+v: after the end, read %d, %v", c, k, err)
		}
	}
}
