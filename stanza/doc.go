// Package stanza builds outgoing XMPP stanzas into a byte slice, usually
// a pooled stanzapool.Buffer, without allocating: a Builder writes start
// tags, attributes, text and end tags with the escaping XML needs, and
// helpers write the common stanza heads (message, presence, iq).
//
// Whatever strings it is given, a Builder emits well-formed XML: markup
// characters are escaped, CR, LF and tab in attribute values become
// character references (so that they survive attribute-value
// normalisation), and bytes that are not UTF-8 or not XML Chars are
// replaced by U+FFFD.
//
//	var b stanza.Builder
//	b.Reset(buf.B)
//	b.Message("juliet@example.com/balcony", "", "chat", id)
//	b.Start("body").Text(text).End()
//	b.End()
//	buf.B = b.Bytes()
package stanza
