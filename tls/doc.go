// Package tls will hold the connection layer: direct TLS (XEP-0368) and
// STARTTLS with SNI and certificate checks against the XMPP domain, DNS
// SRV resolution with github.com/miekg/dns, and XEP-0138 stream
// compression with github.com/klauspost/compress (off by default).
//
// It is empty until the connection issue lands.
package tls
