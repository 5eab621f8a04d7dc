// Package fastxml is a zero-copy, zero-allocation streaming scanner for
// the XML profile of XMPP (RFC 6120 §11): XML 1.0 and Namespaces in XML,
// strict UTF-8, without comments, processing instructions, DTDs or
// entity references other than the five predefined ones. It knows XML
// bytes and nothing of XMPP; package stream builds XMPP on it.
//
// # Where bytes become tokens
//
// A Scanner reads from an io.Reader into its own buffer (or scans a
// []byte in place, ResetBytes) and hands out tokens: Next returns
// StartElement, EndElement or Text, and accessors read the current
// token's namespace-resolved Name, its attributes and its text. Names,
// values and text are slices of the buffer, valid until the next call;
// nothing is decoded until asked for (Attr.Value, Scanner.Text decode
// into a caller's buffer only when the bytes hold references).
//
// Reads may split the input anywhere — inside a name, a UTF-8 sequence,
// a reference — and the tokens and errors are the same: every phase of
// the grammar is resumable, and nothing is scanned twice, so a 1 MiB
// value arriving a byte per read costs linear time.
//
// # Where tokens become stanzas
//
// NextElement reads a whole unit (a stanza, in a stream) into an
// Element: a compact index (elements, attributes, text runs, resolved
// namespaces) over the unit's raw bytes, which stay contiguous in the
// buffer. A stanza already in the buffer is indexed by one tight loop,
// its start tag parsed straight into the index; ReadElement does the
// same for any element after Next returned its StartElement. Gateways
// forward Element.Raw untouched, or with AppendWithAttrs to rewrite to
// and from; Node.AppendStandalone re-serializes an element that must
// stand alone.
//
// # Errors and limits
//
// Bad input gives an *Error with the byte offset, the reason, and a
// Condition that is the RFC 6120 stream error to send
// (ErrNotWellFormed, ErrRestrictedXML, ErrPolicyViolation,
// ErrUnsupportedEncoding), usable with errors.Is. Limits (size per unit
// and per header, depth, attributes, name length) are enforced as bytes
// arrive; their zero value is safe.
//
// # Debugging ownership
//
// Built with -tags xmppcoredebug, the package hands out private copies of
// borrowed bytes and overwrites them at the next call, poisons buffer
// regions it moves past, and panics when an Element is used after its
// scanner moved on: code that keeps borrowed bytes fails its tests.
package fastxml
