package stream

import "github.com/xmppcore/xmppcore/fastxml"

// Condition is an RFC 6120 §4.9.3 stream error condition. It is the same
// type as fastxml.Condition, so errors.Is(err, stream.ErrNotWellFormed)
// matches a scanner error as well as a stream-level one.
type Condition = fastxml.Condition

// The stream error conditions of RFC 6120 §4.9.3. Each is a sentinel for
// errors.Is and its string is the element name sent on the wire.
const (
	// ErrBadFormat: the entity has sent XML that cannot be processed.
	ErrBadFormat Condition = "bad-format"
	// ErrBadNamespacePrefix: an unsupported namespace prefix, or none
	// where one is required.
	ErrBadNamespacePrefix Condition = "bad-namespace-prefix"
	// ErrConflict: a new stream conflicts with an existing one.
	ErrConflict Condition = "conflict"
	// ErrConnectionTimeout: the peer has not generated any traffic.
	ErrConnectionTimeout Condition = "connection-timeout"
	// ErrHostGone: the 'to' domain is no longer serviced.
	ErrHostGone Condition = "host-gone"
	// ErrHostUnknown: the 'to' domain is not serviced.
	ErrHostUnknown Condition = "host-unknown"
	// ErrImproperAddressing: a stanza lacks a required 'to' or 'from'.
	ErrImproperAddressing Condition = "improper-addressing"
	// ErrInternalServerError: a misconfiguration or other internal error.
	ErrInternalServerError Condition = "internal-server-error"
	// ErrInvalidFrom: the 'from' address does not match an authorized
	// JID.
	ErrInvalidFrom Condition = "invalid-from"
	// ErrInvalidNamespace: the stream namespace is not
	// http://etherx.jabber.org/streams, or the content namespace is not
	// supported.
	ErrInvalidNamespace Condition = "invalid-namespace"
	// ErrInvalidXML: invalid XML sent to a server that validates.
	ErrInvalidXML Condition = "invalid-xml"
	// ErrNotAuthorized: data sent before the stream was authenticated,
	// or authentication failed.
	ErrNotAuthorized Condition = "not-authorized"
	// ErrNotWellFormed: the XML violates the well-formedness rules of
	// XML or Namespaces in XML.
	ErrNotWellFormed = fastxml.ErrNotWellFormed
	// ErrPolicyViolation: a local service policy was violated, such as a
	// size limit.
	ErrPolicyViolation = fastxml.ErrPolicyViolation
	// ErrRemoteConnectionFailed: the server could not reach a remote
	// entity needed for authentication or authorization.
	ErrRemoteConnectionFailed Condition = "remote-connection-failed"
	// ErrReset: the stream is being closed to reset security or other
	// features.
	ErrReset Condition = "reset"
	// ErrResourceConstraint: the server lacks resources to service the
	// stream.
	ErrResourceConstraint Condition = "resource-constraint"
	// ErrRestrictedXML: a comment, processing instruction, DTD subset
	// or entity reference (RFC 6120 §11.1).
	ErrRestrictedXML = fastxml.ErrRestrictedXML
	// ErrSeeOtherHost: the client should connect to another host.
	ErrSeeOtherHost Condition = "see-other-host"
	// ErrSystemShutdown: the server is being shut down.
	ErrSystemShutdown Condition = "system-shutdown"
	// ErrUndefinedCondition: none of the other conditions applies; used
	// with an application-specific condition.
	ErrUndefinedCondition Condition = "undefined-condition"
	// ErrUnsupportedEncoding: the stream is not UTF-8 (RFC 6120 §11.6).
	ErrUnsupportedEncoding = fastxml.ErrUnsupportedEncoding
	// ErrUnsupportedFeature: a mandatory-to-negotiate feature is not
	// supported.
	ErrUnsupportedFeature Condition = "unsupported-feature"
	// ErrUnsupportedStanzaType: a first-level child of the stream is not
	// supported.
	ErrUnsupportedStanzaType Condition = "unsupported-stanza-type"
	// ErrUnsupportedVersion: the stream's 'version' is not supported.
	ErrUnsupportedVersion Condition = "unsupported-version"
)
