// Package tls holds the connection layer below client sessions: where
// to connect for an XMPP domain (DNS SRV with github.com/miekg/dns,
// XEP-0368 direct TLS records first, A/AAAA fallback). The TLS
// handshakes themselves (STARTTLS, direct TLS, SNI and certificate
// checks against the XMPP domain) are in package client; XEP-0138
// stream compression is not implemented yet.
package tls
