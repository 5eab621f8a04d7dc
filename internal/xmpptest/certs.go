package xmpptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// certFiles are the PEM files a test server is given, and the CA that
// signed them (to sign client certificates).
type certFiles struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey

	CA        string // the CA certificate: what clients trust
	Key       string // the server's private key
	Cert      string // the server's certificate
	FullChain string // certificate, then the CA
	Bundle    string // certificate, CA and key (ejabberd's certfiles)
}

// writeCerts makes a fresh CA and a server certificate for domain (and
// *.domain, 127.0.0.1, ::1), valid for a year, in dir.
func writeCerts(dir, domain string) (certFiles, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certFiles{}, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "xmpptest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return certFiles{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return certFiles{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certFiles{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: domain},
		DNSNames:     []string{domain, "*." + domain},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return certFiles{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return certFiles{}, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	f := certFiles{
		caCert:    ca,
		caKey:     caKey,
		CA:        filepath.Join(dir, "ca.pem"),
		Key:       filepath.Join(dir, "server.key"),
		Cert:      filepath.Join(dir, "server.pem"),
		FullChain: filepath.Join(dir, "fullchain.pem"),
		Bundle:    filepath.Join(dir, "server-bundle.pem"),
	}
	for _, w := range []struct {
		path string
		data []byte
	}{
		{f.CA, caPEM}, {f.Key, keyPEM}, {f.Cert, certPEM},
		{f.FullChain, append(append([]byte{}, certPEM...), caPEM...)},
		{f.Bundle, append(append(append([]byte{}, certPEM...), caPEM...), keyPEM...)},
	} {
		if err := os.WriteFile(w.path, w.data, 0o600); err != nil {
			return certFiles{}, err
		}
	}
	return f, nil
}

// oidXMPPAddr is id-on-xmppAddr (RFC 6120 §13.7.1.4).
var oidXMPPAddr = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 5}

// clientCert issues a client certificate for jid, signed by the CA, with
// the JID as an xmppAddr subjectAltName (what SASL EXTERNAL reads).
func (f certFiles) clientCert(jid string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	value, err := asn1.MarshalWithParams(jid, "utf8")
	if err != nil {
		return tls.Certificate{}, err
	}
	other, err := asn1.Marshal(struct {
		ID    asn1.ObjectIdentifier
		Value asn1.RawValue
	}{oidXMPPAddr, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: value}})
	if err != nil {
		return tls.Certificate{}, err
	}
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(other, &seq); err != nil {
		return tls.Certificate{}, err
	}
	// otherName is [0] IMPLICIT OtherName: the SEQUENCE's content under tag [0].
	san, err := asn1.Marshal([]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: seq.Bytes}})
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(now.UnixNano()),
		Subject:         pkix.Name{CommonName: jid},
		NotBefore:       now.Add(-time.Hour),
		NotAfter:        now.Add(365 * 24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: san}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, f.caCert, &key.PublicKey, f.caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// Certs writes a fresh CA and a certificate for domain into a temporary
// directory of t, for tests that run a TLS server of their own. It
// returns the PEM files: the CA to trust, the certificate and its key.
func Certs(t testing.TB, domain string) (ca, cert, key string) {
	t.Helper()
	f, err := writeCerts(t.TempDir(), domain)
	if err != nil {
		t.Fatal(err)
	}
	return f.CA, f.Cert, f.Key
}
