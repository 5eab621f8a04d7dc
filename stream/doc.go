// Package stream is the XMPP layer above fastxml: stream headers,
// stanza boundaries, RFC 6120 stream error conditions and limits. Here
// tokens become stanzas: Reader checks the peer's stream header and
// yields each first-level element as a fastxml.Element index over its
// raw bytes.
//
// Still to come in this package (see the project's issues): the full
// XMLStream of slixmpp — handlers, matchers, filters, events, the
// scheduler, the batched send path and the XEP-0114 component session.
package stream
