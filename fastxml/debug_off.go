//go:build !xmppcoredebug

package fastxml

// debugState is empty in normal builds; see debug_on.go.
type debugState struct{}

func (*debugState) loan(b []byte) []byte { return b }
func (*debugState) poisonLoans()         {}
func (*debugState) poisonAll()           {}
func (*debugState) bump()                {}
func (*debugState) generation() uint64   { return 0 }

// Debug reports whether the package was built with -tags xmppcoredebug.
const Debug = false

func poisonBytes([]byte) {}
