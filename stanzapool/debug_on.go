//go:build xmppcoredebug

package stanzapool

const debug = true
