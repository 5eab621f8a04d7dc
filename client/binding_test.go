package client

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// testCert makes a self-signed certificate for name.
func testCert(t *testing.T, name string) (tls.Certificate, *x509.Certificate) {
	return testCertValid(t, name, false)
}

// testCertValid makes a self-signed certificate for name, expired a day
// ago if asked.
func testCertValid(t *testing.T, name string, expired bool) (tls.Certificate, *x509.Certificate) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	notAfter := time.Now().Add(time.Hour)
	if expired {
		notAfter = time.Now().Add(-24 * time.Hour)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, leaf
}

// handshake runs a TLS handshake over a pipe and returns both ends'
// states.
func handshake(t *testing.T, version uint16) (client, server tls.ConnectionState, leaf *x509.Certificate) {
	cert, leaf := testCert(t, "example.test")
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	srv := tls.Server(b, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: version})
	cli := tls.Client(a, &tls.Config{InsecureSkipVerify: true, MaxVersion: version})
	errc := make(chan error, 1)
	go func() { errc <- srv.Handshake() }()
	if err := cli.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return cli.ConnectionState(), srv.ConnectionState(), leaf
}

// The binding data is what the server derives from its side of the
// same connection: tls-exporter on TLS 1.3, tls-unique on TLS 1.2 by
// default, tls-server-end-point (the certificate's SHA-256) when that
// is what the server advertises.
func TestChannelBinding(t *testing.T) {
	c13, s13, _ := handshake(t, tls.VersionTLS13)
	b, err := channelBinding(&c13, nil)
	want, _ := s13.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	if err != nil || b.Type != "tls-exporter" || string(b.Data) != string(want) {
		t.Errorf("TLS 1.3: %+v %v", b, err)
	}
	c12, s12, leaf := handshake(t, tls.VersionTLS12)
	if b, err := channelBinding(&c12, nil); err != nil || b.Type != "tls-unique" || string(b.Data) != string(s12.TLSUnique) {
		t.Errorf("TLS 1.2: %+v %v", b, err)
	}
	sum := sha256.Sum256(leaf.Raw)
	if b, err := channelBinding(&c12, []string{"tls-server-end-point"}); err != nil || b.Type != "tls-server-end-point" || string(b.Data) != string(sum[:]) {
		t.Errorf("advertised tls-server-end-point: %+v %v", b, err)
	}
	if _, err := channelBinding(&c13, []string{"tls-unique"}); err == nil {
		t.Error("TLS 1.3 with only tls-unique advertised: no error")
	}
}
