// Package stanzapool holds pooled byte buffers for stanzas, on
// github.com/valyala/bytebufferpool, with ownership that can be checked.
//
// A Buffer comes from Pool.Get with one reference. Whoever holds a
// reference may read and write B; Retain adds a reference for another
// holder (a handler that keeps the stanza, a queue), and each holder
// calls Release once. The last Release returns the memory to the pool —
// unless it has grown past Pool.MaxBytes: a hard cap, so that a burst of
// hostile or huge stanzas can never inflate what the pool keeps.
//
// Built with -tags xmppcoredebug, a released Buffer's bytes are
// overwritten with 0xFF and never reused, and touching it (Bytes,
// Retain, Release) panics: a use after release fails a test loudly
// instead of corrupting another stanza.
package stanzapool
