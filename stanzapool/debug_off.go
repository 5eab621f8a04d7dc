//go:build !xmppcoredebug

package stanzapool

const debug = false

// Debug reports whether the package was built with -tags xmppcoredebug,
// which poisons released buffers and never reuses them.
const Debug = debug
