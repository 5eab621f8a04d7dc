// Package sasl holds the client side of the SASL mechanisms an XMPP
// client session uses (RFC 6120 §6): PLAIN (RFC 4616) and SCRAM
// (RFC 5802, RFC 7677) with SHA-1, SHA-256 and SHA-512, with or without
// channel binding (-PLUS: tls-exporter, RFC 9266, and
// tls-server-end-point, RFC 5929).
//
// A mechanism is a small state machine: Start gives the initial
// response, Next answers each challenge, and Verify checks what the
// server sends with its success (for SCRAM, the server's signature: a
// server that does not know the password cannot pass it). The session
// layer moves the bytes; this package does not touch the network.
package sasl

import (
	"errors"
	"fmt"
)

// Credentials are what a client authenticates with.
type Credentials struct {
	Username string // the authentication identity (the JID's localpart)
	Password string
	Authzid  string // the identity to act as, usually empty
}

// Mechanism is the client side of one SASL exchange. A Mechanism is
// used for one exchange only.
type Mechanism interface {
	// Name is the mechanism's name as advertised ("SCRAM-SHA-256").
	Name() string
	// Start returns the initial response (sent with <auth/>).
	Start() ([]byte, error)
	// Next returns the response to a server challenge.
	Next(challenge []byte) ([]byte, error)
	// Verify checks the additional data of the server's <success/>.
	// A mechanism that authenticates the server (SCRAM) fails here if
	// the server did not prove that it knows the password.
	Verify(success []byte) error
}

// Errors reported by the mechanisms.
var (
	// ErrServerSignature: the server's SCRAM signature is wrong or
	// missing. The server does not know the password: do not trust it.
	ErrServerSignature = errors.New("sasl: the server's SCRAM signature does not match: it does not know the password")
	// ErrProtocol: a server message does not follow the mechanism.
	ErrProtocol = errors.New("sasl: malformed server message")
)

// protocolError wraps ErrProtocol with what was wrong.
func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// plain is RFC 4616 PLAIN.
type plain struct{ c Credentials }

// Plain returns the PLAIN mechanism. It sends the password itself:
// use it only over TLS (the client session refuses it otherwise unless
// told).
func Plain(c Credentials) Mechanism { return &plain{c} }

func (p *plain) Name() string { return "PLAIN" }

func (p *plain) Start() ([]byte, error) {
	b := make([]byte, 0, len(p.c.Authzid)+len(p.c.Username)+len(p.c.Password)+2)
	b = append(b, p.c.Authzid...)
	b = append(b, 0)
	b = append(b, p.c.Username...)
	b = append(b, 0)
	return append(b, p.c.Password...), nil
}

func (p *plain) Next([]byte) ([]byte, error) {
	return nil, protocolError("PLAIN has no challenges")
}

func (p *plain) Verify(success []byte) error {
	if len(success) != 0 {
		return protocolError("PLAIN success with data")
	}
	return nil
}

// external is RFC 4422 EXTERNAL: the identity comes from outside SASL
// (for XMPP, the client certificate of the TLS connection, XEP-0178).
type external struct{ authzid string }

// External returns the EXTERNAL mechanism. authzid, usually empty, asks
// for an identity other than the one in the certificate.
func External(authzid string) Mechanism { return &external{authzid} }

func (e *external) Name() string { return "EXTERNAL" }

func (e *external) Start() ([]byte, error) { return []byte(e.authzid), nil }

func (e *external) Next([]byte) ([]byte, error) {
	return nil, protocolError("EXTERNAL has no challenges")
}

func (e *external) Verify(success []byte) error {
	if len(success) != 0 {
		return protocolError("EXTERNAL success with data")
	}
	return nil
}
