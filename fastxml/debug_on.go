//go:build xmppcoredebug

package fastxml

// With -tags xmppcoredebug, borrowed bytes are made to fail loudly when
// kept too long: every slice a token accessor returns is a private copy
// that the next call overwrites with 0xFF (never valid UTF-8), bytes the
// buffer moves away from are overwritten the same way, and an Element
// used after its Scanner moved on panics.
type debugState struct {
	loans [][]byte
	gen   uint64
}

const poison = 0xFF

func (d *debugState) loan(b []byte) []byte {
	if b == nil {
		return nil
	}
	c := append([]byte(nil), b...)
	d.loans = append(d.loans, c)
	return c
}

func (d *debugState) poisonLoans() {
	for _, l := range d.loans {
		poisonBytes(l)
	}
	d.loans = d.loans[:0]
}

func (d *debugState) poisonAll() {
	d.poisonLoans()
	d.gen++
}

func poisonBytes(b []byte) {
	for i := range b {
		b[i] = poison
	}
}

func (d *debugState) bump()              { d.gen++ }
func (d *debugState) generation() uint64 { return d.gen }

// Debug reports whether the package was built with -tags xmppcoredebug.
const Debug = true
