// Package stanzapool will hold pooled stanza buffers on
// github.com/valyala/bytebufferpool, with a hard cap so that no buffer
// above the stanza limit is ever retained, explicit ownership (Clone or
// Retain/Release) and a debug build that poisons released buffers.
//
// It is empty until the stream core issue lands.
package stanzapool
