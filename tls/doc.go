// Package tls holds the connection layer below client sessions: where
// to connect for an XMPP domain (DNS SRV with github.com/miekg/dns,
// XEP-0368 direct TLS records first, A/AAAA fallback). The TLS
// handshakes themselves (STARTTLS, direct TLS, SNI and certificate
// checks against the XMPP domain) and XEP-0138 stream compression are
// in package client.
package tls
