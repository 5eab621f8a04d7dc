package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xmppcore/xmppcore/client"
	"github.com/xmppcore/xmppcore/internal/benchpeer"
	"github.com/xmppcore/xmppcore/stream"
)

// target is what the workloads connect to: the embedded peer (a child
// process running "xmppbench serve"), or a real server as a component
// or as a client.
type target struct {
	addrs             []string // embedded peer or component port; several spread many streams
	component, secret string   // component mode (the embedded peer: any domain)
	client            *client.Config
	embedded          bool
	tlsAddr           string        // the embedded peer's direct TLS port, if started with one
	tlsConfig         *tls.Config   // trusts the embedded peer's certificate
	next              atomic.Uint64 // round robin over addrs
	stop              func()
}

// startPeer starts "xmppbench serve" as a child process with enough
// listeners for conns streams (a loopback address and port pair gives
// about 28 000 ephemeral ports) and returns the target. withTLS adds a
// direct TLS port, with a certificate made for this run.
//
// While an echo or sink flood runs, the peer runs on one CPU (serve
// --flood-procs, default 1): on a 2-CPU machine that leaves the client
// a CPU of its own, and the peer spends less of its time waking its
// goroutines on other CPUs (0.049-0.052 instead of 0.061 CPU-s per 100k
// echoed stanzas, measured in two runs each).
func startPeer(conns int, withTLS bool) (*target, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ports := conns/20000 + 1
	args := []string{"serve", "--listen", "127.0.0.1:0", "--ports", fmt.Sprint(ports), "--stdin"}
	var tlsConfig *tls.Config
	if withTLS {
		dir, err := os.MkdirTemp("", "xmppbench-tls")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir) // read by the child before it says it listens
		var certFile, keyFile string
		if tlsConfig, certFile, keyFile, err = peerCertificate(dir); err != nil {
			return nil, err
		}
		args = append(args, "--tls-cert", certFile, "--tls-key", keyFile)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addrs, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		stop()
		return nil, fmt.Errorf("the embedded peer did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	t := &target{secret: benchpeer.DefaultSecret, embedded: true, stop: stop, tlsConfig: tlsConfig}
	for _, a := range strings.Fields(addrs) {
		if tlsAddr, ok := strings.CutPrefix(a, "tls="); ok {
			t.tlsAddr = tlsAddr
		} else {
			t.addrs = append(t.addrs, a)
		}
	}
	return t, nil
}

// peerName is the name in the embedded peer's certificate.
const peerName = "xmppbench.invalid"

// peerCertificate makes a self-signed ECDSA certificate for the embedded
// peer, writes it and its key into dir, and returns a TLS configuration
// that trusts it (and only it).
func peerCertificate(dir string) (cfg *tls.Config, certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: peerName},
		DNSNames:              []string{peerName},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, "", "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, "", "", err
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, "", "", err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, "", "", err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, "", "", err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Config{RootCAs: pool, ServerName: peerName, MinVersion: tls.VersionTLS12}, certFile, keyFile, nil
}

// childEnv, set to 1, makes a test binary run as xmppbench (the tests
// start the embedded peer from their own executable).
const childEnv = "XMPPBENCH_CHILD"

// conn is one open stream of a workload.
type conn struct {
	*stream.Stream
	self string // the address our messages go to (they come back to us)
}

// open connects one stream; domain is the embedded peer's mode domain
// (ignored for real servers). Handlers must be registered by setup,
// which runs before the stream starts; Run is started here (c.Done and
// c.Err tell when and how it ended).
func (t *target) open(ctx context.Context, domain string, setup func(*conn)) (*conn, error) {
	if t.client != nil {
		sess, err := client.Dial(ctx, *t.client)
		if err != nil {
			return nil, err
		}
		c := &conn{Stream: sess.Stream, self: sess.JID}
		setup(c)
		go sess.Run(context.Background())
		// Presence, so that messages to our bare JID reach us too.
		sess.SendRaw(ctx, []byte("<presence/>"))
		return c, nil
	}
	if !t.embedded {
		domain = t.component
	}
	addr := t.addrs[int(t.next.Add(1)-1)%len(t.addrs)]
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return t.start(ctx, nc, domain, setup)
}

// openTLS connects one stream to the embedded peer's direct TLS port.
func (t *target) openTLS(ctx context.Context, domain string, setup func(*conn)) (*conn, error) {
	if t.client != nil {
		return t.open(ctx, domain, setup) // client sessions are TLS already
	}
	if t.tlsAddr == "" {
		return nil, errors.New("TLS streams need the embedded peer, or a client account (--jid)")
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", t.tlsAddr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(stream.BusySocket(nc), t.tlsConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return t.start(ctx, tc, domain, setup)
}

// start runs a component stream over nc.
func (t *target) start(ctx context.Context, nc net.Conn, domain string, setup func(*conn)) (*conn, error) {
	s := stream.New(nc, stream.Config{Namespace: stream.NSComponent, To: domain, ComponentSecret: t.secret, Inline: true})
	c := &conn{Stream: s, self: "bench@" + domain}
	started := make(chan struct{})
	s.Events().Once(stream.EventSessionStart, func(any) { close(started) })
	setup(c)
	go s.Run(context.Background())
	select {
	case <-started:
		return c, nil
	case <-s.Done():
		err := s.Err()
		if err == nil {
			err = errors.New("the stream ended before the handshake")
		}
		return nil, err
	case <-ctx.Done():
		s.Abort()
		return nil, ctx.Err()
	}
}
