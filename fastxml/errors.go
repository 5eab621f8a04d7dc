package fastxml

import "strconv"

// Condition is the RFC 6120 §4.9.3 stream error condition that a
// syntax error maps to. The four conditions below are the only ones the
// scanner produces; each is a sentinel usable with errors.Is:
//
//	if errors.Is(err, fastxml.ErrRestrictedXML) { ... }
type Condition string

// Error returns the condition's RFC 6120 element name.
func (c Condition) Error() string { return string(c) }

// The conditions the scanner reports. Their names are the RFC 6120
// element names, so a stream layer can send <c.Error()/> unchanged.
const (
	// ErrNotWellFormed: the input is not well-formed XML 1.0, is not
	// namespace-well-formed, is not strict UTF-8, contains a character
	// that is not an XML Char, or ends in the middle of a construct
	// (RFC 6120 §4.9.3.13).
	ErrNotWellFormed Condition = "not-well-formed"

	// ErrRestrictedXML: the input uses an XML feature that RFC 6120
	// §11.1 forbids: a comment, a processing instruction (other than a
	// leading XML declaration), a document type declaration, or an
	// entity reference other than the five predefined ones
	// (RFC 6120 §4.9.3.18).
	ErrRestrictedXML Condition = "restricted-xml"

	// ErrPolicyViolation: the input passed one of the scanner's Limits
	// (RFC 6120 §4.9.3.14).
	ErrPolicyViolation Condition = "policy-violation"

	// ErrUnsupportedEncoding: the input declares or starts with an
	// encoding other than UTF-8 (RFC 6120 §4.9.3.22, §11.6).
	ErrUnsupportedEncoding Condition = "unsupported-encoding"
)

// Error is the one error type the scanner returns for bad input. It says
// which condition applies, at which byte offset of the stream (counted
// from the first byte given to the scanner since the last Reset), and
// what was wrong. errors.Is(err, ErrNotWellFormed) and friends match its
// Condition.
//
// An Error is allocated only when input is rejected; once returned, the
// scanner keeps returning it.
type Error struct {
	Offset    int64     // offset of the first byte that made the input unacceptable
	Condition Condition // the RFC 6120 stream error condition
	Reason    string    // what was found, in a few words
	Limit     string    // for ErrPolicyViolation: the Limits field that was passed
}

// Error formats the error as
// "fastxml: CONDITION at byte N: REASON (HINT)".
func (e *Error) Error() string {
	b := make([]byte, 0, 96+len(e.Reason))
	b = append(b, "fastxml: "...)
	b = append(b, e.Condition...)
	b = append(b, " at byte "...)
	b = strconv.AppendInt(b, e.Offset, 10)
	b = append(b, ": "...)
	b = append(b, e.Reason...)
	switch e.Condition {
	case ErrPolicyViolation:
		b = append(b, " (raise Limits."...)
		b = append(b, e.Limit...)
		b = append(b, " if such input is legitimate)"...)
	case ErrRestrictedXML:
		b = append(b, " (RFC 6120 §11.1 forbids it in XMPP; close the stream with <restricted-xml/>)"...)
	case ErrNotWellFormed:
		b = append(b, " (the sender is broken or hostile; close the stream with <not-well-formed/>)"...)
	case ErrUnsupportedEncoding:
		b = append(b, " (XMPP is UTF-8 only; close the stream with <unsupported-encoding/>)"...)
	}
	return string(b)
}

// Unwrap returns the Condition, so errors.Is matches the sentinels.
func (e *Error) Unwrap() error { return e.Condition }
