// Package client opens XMPP client sessions (RFC 6120): it connects,
// secures the connection with TLS (STARTTLS, required by default, or
// direct TLS per XEP-0368), authenticates with SASL, binds a resource,
// and hands over a stream.Stream ready to Run.
//
// The negotiation is synchronous and happens before the Stream's
// goroutines start; every failure comes back typed: a *TLSError with
// the real cause (unknown authority, name mismatch, expired, ...), a
// *SASLError with the server's condition and text, a *stream.Error or
// *stream.RemoteError for stream-level trouble, one of the Err values
// below (ErrProtocol, ErrServerClosed, ErrNegotiationTimeout, ...) or
// stream.ErrSMProtocol, matched with errors.Is, or the network's error.
package client

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/sasl"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
	xtls "github.com/xmppcore/xmppcore/tls"
)

// TLSMode says how the connection is secured.
type TLSMode int

const (
	// StartTLS upgrades the connection with STARTTLS, and refuses a
	// server that does not offer it: never a silent fall back to
	// cleartext (the seed's force_starttls). The default.
	StartTLS TLSMode = iota
	// DirectTLS speaks TLS from the first byte (XEP-0368, port 5223).
	DirectTLS
	// NoTLS never uses TLS (the seed's disable_starttls). Passwords then
	// travel in the clear unless SCRAM is used: for tests on loopback.
	NoTLS
)

// Namespaces of the negotiation.
const (
	NSTLS     = "urn:ietf:params:xml:ns:xmpp-tls"
	NSSASL    = "urn:ietf:params:xml:ns:xmpp-sasl"
	NSBind    = "urn:ietf:params:xml:ns:xmpp-bind"
	NSSession = "urn:ietf:params:xml:ns:xmpp-session"
)

// Config configures Dial. JID and Password are required; the rest has
// defaults.
type Config struct {
	// JID is the account, localpart@domain, with an optional /resource
	// to ask for.
	JID      string
	Password string
	// Addr is host:port to connect to. Default: where DNS SRV says
	// (Resolver), or the JID's domain on port 5222 (5223 with DirectTLS).
	Addr string
	// Resolver finds the targets when Addr is empty (the seed's
	// configure_dns). Default: DNS SRV through the system's nameserver.
	Resolver Resolver
	// NoIPv6 connects over IPv4 only (the seed's use_ipv6 = False).
	// Otherwise a name with both kinds of addresses is dialed with a
	// happy-eyeballs race between the families (net.Dialer's, RFC 6555:
	// IPv4 starts 300 ms after a silent IPv6 attempt).
	NoIPv6 bool
	// TLS is how the connection is secured; default StartTLS.
	TLS TLSMode
	// TLSConfig is cloned for the handshake. Its ServerName is always
	// set to the JID's domain (never the address dialed), and its
	// MinVersion is at least TLS 1.2. Default: the system's roots.
	TLSConfig *tls.Config
	// CAFile, when set, is a PEM file of the certificate authorities to
	// trust instead of the system's.
	CAFile string
	// Mechanisms lists the SASL mechanisms to use, best first. Default:
	// EXTERNAL when TLSConfig carries a client certificate (XEP-0178),
	// the -PLUS variants when the server advertises its channel binding
	// types (XEP-0440), then SCRAM-SHA-512, SCRAM-SHA-256, SCRAM-SHA-1,
	// PLAIN. PLAIN is used only over TLS unless AllowPlainWithoutTLS is
	// set.
	Mechanisms           []string
	AllowPlainWithoutTLS bool
	// Stream configures the session's Stream (filters, queues, Inline,
	// IdleTimeout, ...); its Namespace and To are set by Dial. Its
	// KeepAlive defaults to 5 minutes for a client session (negative:
	// off).
	Stream stream.Config
	// Compress asks for XEP-0138 zlib stream compression after TLS and
	// authentication, if the server offers it. Off by default: it is
	// obsolete (CRIME-style attacks); see compress.go.
	Compress bool

	// StreamManagement, when set, turns on XEP-0198 stream management
	// with resumption: a server that does not offer it is refused
	// (ErrNoStreamManagement). The SM holds the session's state across
	// connections: Dial with an SM whose session is resumable resumes it
	// (Session.Resumed), and the stanzas the server did not get are sent
	// again first; when the server cannot resume, Dial binds a fresh
	// session and the unacknowledged stanzas come back in a
	// stream.EventSMFailed. Reconnect does this on every reconnection.
	// Use one SM per account, with one session at a time.
	StreamManagement *stream.SM

	// NegotiationTimeout bounds each attempt's negotiation, from the
	// connection to the session (TLS, SASL, bind, stream management): a
	// server that stays silent or trickles its answers is given up on
	// with ErrNegotiationTimeout. Default 60 s; negative: only ctx
	// bounds it.
	NegotiationTimeout time.Duration

	// Dialer dials the TCP connection. Default: a net.Dialer. Its
	// Control function is the seed's configure_socket hook.
	Dialer *net.Dialer
	// Proxy, when set, is an HTTP CONNECT proxy to tunnel through,
	// http://[user:password@]host:port (basic authentication).
	Proxy *url.URL
}

// Resolver finds where to connect for an XMPP domain.
type Resolver interface {
	// Targets returns the places to try, in order. With directTLS,
	// XEP-0368 direct TLS targets may come first.
	Targets(ctx context.Context, domain string, directTLS bool) ([]xtls.Target, error)
}

// Session is a negotiated client session: a Stream to Run, and what the
// negotiation established.
type Session struct {
	*stream.Stream
	// JID is the full JID the server bound.
	JID string
	// TLS is the TLS connection state (nil with NoTLS).
	TLS *tls.ConnectionState
	// Mechanism is the SASL mechanism used.
	Mechanism string
	// Compressed reports whether XEP-0138 zlib compression is on.
	Compressed bool
	// Resumed reports whether the session is an XEP-0198 resumption of
	// the previous one (Config.StreamManagement): the server kept its
	// roster, presence and subscriptions, so there is nothing to set up
	// again.
	Resumed bool
}

// TLSError is a failed TLS handshake, with its cause in words.
type TLSError struct {
	Cause string // "unknown authority", "name mismatch", "expired", ...
	Err   error
}

func (e *TLSError) Error() string { return "client: TLS: " + e.Cause + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *TLSError) Unwrap() error { return e.Err }

// SASLError is a SASL <failure/> from the server (RFC 6120 §6.5).
type SASLError struct {
	Mechanism string
	Condition string // not-authorized, invalid-mechanism, ...
	Text      string
}

func (e *SASLError) Error() string {
	s := "client: SASL " + e.Mechanism + " failed: " + e.Condition
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// Events the negotiation emits on Config.Stream.Events (the seed's
// names), before the Stream exists; they stay registered on the
// session's Stream.
const (
	EventTLSSuccess   = "tls_success"       // the TLS handshake succeeded; data: tls.ConnectionState
	EventInvalidChain = "ssl_invalid_chain" // the server's certificate was refused; data: *TLSError
	EventAuthFailed   = "failed_auth"       // SASL failed; data: *SASLError or the error
)

// Errors of the negotiation.
var (
	ErrNoStartTLS   = errors.New("client: the server does not offer STARTTLS, and TLS is required")
	ErrNoMechanism  = errors.New("client: no SASL mechanism in common with the server")
	ErrBindRefused  = errors.New("client: the server refused to bind a resource")
	ErrBadFeatures  = errors.New("client: expected <stream:features>")
	ErrTLSRefused   = errors.New("client: the server answered STARTTLS with <failure/>")
	ErrPlainInClear = errors.New("client: PLAIN without TLS is refused (Config.AllowPlainWithoutTLS)")
	// ErrNoStreamManagement: Config.StreamManagement is set and the
	// server does not offer XEP-0198.
	ErrNoStreamManagement = errors.New("client: the server does not offer stream management (XEP-0198)")
	// ErrNegotiationTimeout: the negotiation took longer than
	// Config.NegotiationTimeout.
	ErrNegotiationTimeout = errors.New("client: the session was not negotiated within Config.NegotiationTimeout")
	// ErrPlaintextAfterProceed: bytes followed <proceed/> before TLS, which
	// only a man in the middle sends.
	ErrPlaintextAfterProceed = errors.New("client: data after <proceed/> before TLS: the connection is being tampered with")
	// ErrProtocol: the server sent something the negotiation does not
	// allow at that point (an unexpected element, data that is not
	// base64, a refused legacy session); the error's text says what.
	ErrProtocol = errors.New("client: the server broke the negotiation protocol")
	// ErrServerClosed: the server ended the stream or the connection in
	// the middle of the negotiation.
	ErrServerClosed = errors.New("client: the server closed the stream during the negotiation")
)

// Dial connects, negotiates the session and returns it, ready to Run.
// ctx bounds the whole attempt; cancelling it aborts the attempt (the
// seed's cancel_connection_attempt). Targets are tried in order until
// one connects; a failure after connecting (TLS, SASL, ...) is returned
// at once.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	local, domain, resource, err := splitJID(cfg.JID)
	if err != nil {
		return nil, err
	}
	var targets []xtls.Target
	if cfg.Addr != "" {
		targets = []xtls.Target{{DirectTLS: cfg.TLS == DirectTLS}}
	} else {
		r := cfg.Resolver
		if r == nil {
			r = &xtls.Resolver{}
		}
		// STARTTLS sessions may use direct TLS targets too: TLS either way.
		targets, err = r.Targets(ctx, domain, cfg.TLS != NoTLS)
		if err != nil {
			return nil, err
		}
	}
	d := cfg.Dialer
	if d == nil {
		d = &net.Dialer{}
	}
	network := "tcp"
	if cfg.NoIPv6 {
		network = "tcp4"
	}
	if cfg.Stream.Events == nil {
		cfg.Stream.Events = new(stream.Events)
	}
	if cfg.Stream.KeepAlive == 0 {
		cfg.Stream.KeepAlive = 5 * time.Minute
	}
	var dialErr error
	for _, tg := range targets {
		if cfg.TLS == DirectTLS && !tg.DirectTLS {
			continue
		}
		addr := cfg.Addr
		if addr == "" {
			addr = tg.Addr()
		}
		var conn net.Conn
		if cfg.Proxy != nil {
			conn, err = dialProxy(ctx, d, network, cfg.Proxy, addr)
			var pe *ProxyError
			if errors.As(err, &pe) {
				return nil, err // the proxy, not the target, said no
			}
		} else {
			conn, err = d.DialContext(ctx, network, addr)
		}
		if err != nil {
			dialErr = err
			continue
		}
		c := cfg
		if tg.DirectTLS {
			c.TLS = DirectTLS
		}
		n := &negotiation{cfg: c, raw: conn, conn: conn, local: local, domain: domain, resource: resource}
		s, err := n.runBounded(ctx)
		if err != nil {
			conn.Close()
			return nil, err
		}
		return s, nil
	}
	if dialErr == nil {
		dialErr = fmt.Errorf("client: no target to connect to for %s", domain)
	}
	return nil, dialErr
}

// splitJID splits localpart@domain/resource.
func splitJID(j string) (local, domain, resource string, err error) {
	bare, resource, _ := strings.Cut(j, "/")
	local, domain, ok := strings.Cut(bare, "@")
	if !ok || local == "" || domain == "" {
		return "", "", "", fmt.Errorf("client: JID %q is not localpart@domain", j)
	}
	return local, domain, resource, nil
}

// negotiation is one session's negotiation state.
type negotiation struct {
	cfg                     Config
	raw, conn               net.Conn
	local, domain, resource string
	r                       *stream.Reader
	e                       fastxml.Element
	tls                     *tls.ConnectionState
	mech                    string
}

// runBounded is run within Config.NegotiationTimeout.
func (n *negotiation) runBounded(ctx context.Context) (*Session, error) {
	t := n.cfg.NegotiationTimeout
	if t == 0 {
		t = time.Minute
	}
	if t < 0 {
		return n.run(ctx)
	}
	nctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	s, err := n.run(nctx)
	// The connection's deadline (nctx's) may fire before nctx's timer.
	// Ours only if the caller's own deadline is not the earlier one.
	dl, _ := nctx.Deadline()
	cdl, callerBound := ctx.Deadline()
	if err != nil && ctx.Err() == nil && !time.Now().Before(dl) && (!callerBound || cdl.After(dl)) {
		err = fmt.Errorf("%w (%v): %v", ErrNegotiationTimeout, t, err)
	}
	return s, err
}

func (n *negotiation) run(ctx context.Context) (*Session, error) {
	// ctx's deadline and cancellation reach the blocking reads and
	// writes through the connection's deadline.
	if dl, ok := ctx.Deadline(); ok {
		n.raw.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { n.raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if n.cfg.TLS == DirectTLS {
		if err := n.handshake(ctx); err != nil {
			return nil, err
		}
	}
	authed, compressed := false, false
	for {
		feats, err := n.open(authed)
		if err != nil {
			return nil, ctxErr(ctx, err)
		}
		switch {
		case n.tls == nil && n.cfg.TLS == StartTLS:
			if !feats.Child(NSTLS, "starttls").Valid() {
				return nil, ErrNoStartTLS
			}
			if err := n.startTLS(ctx); err != nil {
				return nil, ctxErr(ctx, err)
			}
		case !authed:
			if err := n.authenticate(feats); err != nil {
				n.cfg.Stream.Events.Emit(EventAuthFailed, err)
				return nil, ctxErr(ctx, err)
			}
			authed = true
		case n.cfg.Compress && !compressed && n.tls != nil && offersZlib(feats):
			if err := n.compress(); err != nil {
				return nil, ctxErr(ctx, err)
			}
			compressed = true
		default:
			jid, resumed, err := n.session(feats)
			if err != nil {
				return nil, ctxErr(ctx, err)
			}
			n.raw.SetDeadline(time.Time{})
			scfg := n.cfg.Stream
			scfg.Namespace, scfg.To, scfg.Negotiated = stream.NSClient, n.domain, n.r
			scfg.SM = n.cfg.StreamManagement
			s := stream.New(n.conn, scfg)
			answerIQs(s)
			return &Session{Stream: s, JID: jid, TLS: n.tls, Mechanism: n.mech, Compressed: compressed, Resumed: resumed}, nil
		}
	}
}

var timeZero time.Time

// ctxErr prefers ctx's error when ctx ended the negotiation.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// open sends our stream header on a fresh reader and returns the
// server's features. The last stream (after authentication) is the
// session's, read with the Stream's reader configuration.
func (n *negotiation) open(last bool) (fastxml.Node, error) {
	rc := n.cfg.Stream.Reader
	rc.ContentNamespaces = []string{stream.NSClient}
	if !last {
		rc.BufferSize = 4 << 10
	} else if rc.BufferSize == 0 {
		rc.BufferSize = 64 << 10
	}
	n.r = stream.NewReader(n.conn, rc)
	h := []byte("<?xml version='1.0'?><stream:stream xmlns='" + stream.NSClient + "' xmlns:stream='" + stream.NSStreams + "' to='")
	h = stanza.AppendAttrValue(h, n.domain)
	h = append(h, "' version='1.0'>"...)
	if _, err := n.conn.Write(h); err != nil {
		return fastxml.Node{}, err
	}
	if _, err := n.r.ReadHeader(); err != nil {
		return fastxml.Node{}, err
	}
	root, err := n.next()
	if err != nil {
		return fastxml.Node{}, err
	}
	if !root.Is(stream.NSStreams, "features") {
		return fastxml.Node{}, fmt.Errorf("%w, got <%s>", ErrBadFeatures, root.Local())
	}
	return root, nil
}

// next reads the next first-level element; a stream error is returned
// as a *stream.RemoteError.
func (n *negotiation) next() (fastxml.Node, error) {
	if err := n.r.Next(&n.e); err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("%w (%w)", ErrServerClosed, io.ErrUnexpectedEOF)
		}
		return fastxml.Node{}, err
	}
	root := n.e.Root()
	if root.Is(stream.NSStreams, "error") {
		return fastxml.Node{}, stream.RemoteErrorOf(&n.e)
	}
	return root, nil
}

// startTLS asks for TLS and performs the handshake.
func (n *negotiation) startTLS(ctx context.Context) error {
	if _, err := n.conn.Write([]byte("<starttls xmlns='" + NSTLS + "'/>")); err != nil {
		return err
	}
	root, err := n.next()
	if err != nil {
		return err
	}
	if !root.Is(NSTLS, "proceed") {
		return ErrTLSRefused
	}
	// Nothing may follow <proceed/> in the clear: bytes there would be
	// read as if they came from inside TLS by a client that kept its
	// parser (Prosody's 2021 advisory). They can only come from a man in
	// the middle: abort. (A fresh reader reads the TLS connection.)
	if n.r.Buffered() > 0 {
		return ErrPlaintextAfterProceed
	}
	return n.handshake(ctx)
}

// tlsConfig returns the TLS configuration for the handshake.
func (n *negotiation) tlsConfig() (*tls.Config, error) {
	var c *tls.Config
	if n.cfg.TLSConfig != nil {
		c = n.cfg.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	c.ServerName = n.domain
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	c.Renegotiation = tls.RenegotiateNever
	if n.cfg.TLS == DirectTLS && len(c.NextProtos) == 0 {
		c.NextProtos = []string{"xmpp-client"} // XEP-0368
	}
	if n.cfg.CAFile != "" {
		pem, err := os.ReadFile(n.cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("client: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client: CA file %s holds no PEM certificate", n.cfg.CAFile)
		}
		c.RootCAs = pool
	}
	return c, nil
}

func (n *negotiation) handshake(ctx context.Context) error {
	c, err := n.tlsConfig()
	if err != nil {
		return err
	}
	// The TLS layer reads the socket on the stream's behalf: read it as
	// the stream reads one (see stream.BusySocket).
	tc := tls.Client(stream.BusySocket(n.raw), c)
	if err := tc.HandshakeContext(ctx); err != nil {
		te := &TLSError{Cause: tlsCause(err), Err: err}
		var ve *tls.CertificateVerificationError
		if errors.As(err, &ve) {
			n.cfg.Stream.Events.Emit(EventInvalidChain, te)
		}
		return te
	}
	cs := tc.ConnectionState()
	n.cfg.Stream.Events.Emit(EventTLSSuccess, cs)
	n.conn, n.tls = tc, &cs
	return nil
}

// tlsCause names why a TLS handshake failed.
func tlsCause(err error) string {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var ae tls.AlertError
	var ve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ua):
		return "unknown authority"
	case errors.As(err, &he):
		return "name mismatch"
	case errors.As(err, &ci):
		switch ci.Reason {
		case x509.Expired:
			return "expired or not yet valid"
		case x509.NotAuthorizedToSign:
			return "issuer not allowed to sign"
		case x509.IncompatibleUsage:
			return "certificate not for servers"
		}
		return "invalid certificate"
	case errors.As(err, &ve):
		return "certificate verification failed"
	case errors.As(err, &ae):
		return "alert from the server"
	}
	return "handshake failed"
}

// defaultMechanisms is the preference order.
var defaultMechanisms = []string{"SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}

// authenticate runs SASL with the best mechanism both sides have.
func (n *negotiation) authenticate(feats fastxml.Node) error {
	mechs := feats.Child(NSSASL, "mechanisms")
	offered := map[string]bool{}
	plus := false
	for c := mechs.FirstElement(); c.Valid(); c = c.NextElement() {
		name := string(c.AppendText(nil))
		offered[name] = true
		plus = plus || strings.HasSuffix(name, "-PLUS")
	}
	// -PLUS is used when asked for by name (Config.Mechanisms), or by
	// default when the server advertises its binding types (XEP-0440):
	// without that, a server may support -PLUS on one TLS version and
	// not another (ejabberd 23.01 binds only tls-unique, so not on TLS
	// 1.3), and the plain mechanism is the safe default.
	cbTypes := bindingTypes(feats)
	want := n.cfg.Mechanisms
	if len(want) == 0 {
		want = defaultMechanisms
		if len(cbTypes) > 0 && n.tls != nil {
			want = append([]string{"SCRAM-SHA-512-PLUS", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"}, want...)
		}
		if n.tls != nil && len(n.tls.PeerCertificates) > 0 && n.cfg.TLSConfig != nil && len(n.cfg.TLSConfig.Certificates) > 0 {
			// A client certificate was configured: it is the credential.
			want = append([]string{"EXTERNAL"}, want...)
		}
	}
	creds := sasl.Credentials{Username: n.local, Password: n.cfg.Password}
	var m sasl.Mechanism
	var err error
	for _, name := range want {
		if !offered[name] {
			continue
		}
		if name == "PLAIN" {
			if n.tls == nil && !n.cfg.AllowPlainWithoutTLS {
				continue
			}
			m = sasl.Plain(creds)
			break
		}
		if name == "EXTERNAL" {
			if n.tls == nil {
				continue // the identity is the TLS client certificate
			}
			m = sasl.External("")
			break
		}
		// Without channel binding: the flag says whether we could bind
		// (y) or not (n). A server that offers -PLUS refuses y as a
		// downgrade, and -PLUS needs a binding type both sides know
		// (XEP-0440), so then we say n.
		var b *sasl.Binding
		if n.tls != nil && !plus {
			b = &sasl.Binding{}
		}
		base, isPlus := strings.CutSuffix(name, "-PLUS")
		if isPlus {
			if n.tls == nil {
				continue
			}
			if b, err = channelBinding(n.tls, cbTypes); err != nil {
				return err
			}
		}
		switch base {
		case "SCRAM-SHA-512":
			m = sasl.SCRAM(sasl.SHA512, creds, b)
		case "SCRAM-SHA-256":
			m = sasl.SCRAM(sasl.SHA256, creds, b)
		case "SCRAM-SHA-1":
			m = sasl.SCRAM(sasl.SHA1, creds, b)
		}
		if m != nil {
			break
		}
	}
	if m == nil {
		if offered["PLAIN"] && n.tls == nil {
			return ErrPlainInClear
		}
		return ErrNoMechanism
	}
	n.mech = m.Name()
	initial, err := m.Start()
	if err != nil {
		return err
	}
	msg := "<auth xmlns='" + NSSASL + "' mechanism='" + m.Name() + "'>" + encode64(initial) + "</auth>"
	if _, err := n.conn.Write([]byte(msg)); err != nil {
		return err
	}
	for {
		root, err := n.next()
		if err != nil {
			return err
		}
		data, err := decode64(root.AppendText(nil))
		if err != nil {
			return err
		}
		switch {
		case root.Is(NSSASL, "challenge"):
			resp, err := m.Next(data)
			if err != nil {
				n.conn.Write([]byte("<abort xmlns='" + NSSASL + "'/>"))
				return err
			}
			if _, err := n.conn.Write([]byte("<response xmlns='" + NSSASL + "'>" + encode64(resp) + "</response>")); err != nil {
				return err
			}
		case root.Is(NSSASL, "success"):
			return m.Verify(data)
		case root.Is(NSSASL, "failure"):
			se := &SASLError{Mechanism: m.Name(), Condition: "not-authorized"}
			for c := root.FirstElement(); c.Valid(); c = c.NextElement() {
				if string(c.Local()) == "text" {
					se.Text = string(c.AppendText(nil))
				} else {
					se.Condition = string(c.Local())
				}
			}
			return se
		default:
			return fmt.Errorf("%w: unexpected <%s> during SASL", ErrProtocol, root.Local())
		}
	}
}

// NSChannelBinding is XEP-0440's namespace: the channel binding types
// a server supports, advertised with its mechanisms.
const NSChannelBinding = "urn:xmpp:sasl-cb:0"

// bindingTypes returns the types of XEP-0440's advertisement, if any.
func bindingTypes(feats fastxml.Node) []string {
	var types []string
	for c := feats.Child(NSChannelBinding, "sasl-channel-binding").FirstElement(); c.Valid(); c = c.NextElement() {
		if t, ok := c.Attr("", "type"); ok {
			types = append(types, string(t.Raw()))
		}
	}
	return types
}

// channelBinding returns the binding of a TLS connection for -PLUS:
// among the types the server advertised (XEP-0440), or, without an
// advertisement, the RFC default for the TLS version: tls-exporter
// (RFC 9266) on TLS 1.3, tls-unique (RFC 5929, RFC 5802's
// mandatory type) before it.
func channelBinding(cs *tls.ConnectionState, advertised []string) (*sasl.Binding, error) {
	pref := []string{"tls-unique", "tls-server-end-point", "tls-exporter"}
	if cs.Version >= tls.VersionTLS13 {
		pref = []string{"tls-exporter", "tls-server-end-point"}
	}
	typ := pref[0]
	if len(advertised) > 0 {
		typ = ""
		for _, p := range pref {
			if slices.Contains(advertised, p) {
				typ = p
				break
			}
		}
		if typ == "" {
			return nil, fmt.Errorf("client: no channel binding type in common with the server (it offers %v)", advertised)
		}
	}
	switch typ {
	case "tls-unique":
		if cs.TLSUnique == nil {
			return nil, errors.New("client: no tls-unique on this connection")
		}
		return &sasl.Binding{Type: typ, Data: cs.TLSUnique}, nil
	case "tls-exporter":
		data, err := cs.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
		if err != nil {
			return nil, err
		}
		return &sasl.Binding{Type: typ, Data: data}, nil
	}
	if len(cs.PeerCertificates) == 0 {
		return nil, errors.New("client: no server certificate to bind to")
	}
	cert := cs.PeerCertificates[0]
	var h hash.Hash
	switch cert.SignatureAlgorithm {
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
		h = sha512.New()
	default: // SHA-256, and MD5 or SHA-1 upgraded to it (RFC 5929 §4.1)
		h = sha256.New()
	}
	h.Write(cert.Raw)
	return &sasl.Binding{Type: "tls-server-end-point", Data: h.Sum(nil)}, nil
}

// encode64 is base64 with "=" for empty data (RFC 6120 §6.4.2).
func encode64(b []byte) string {
	if len(b) == 0 {
		return "="
	}
	return base64.StdEncoding.EncodeToString(b)
}

func decode64(b []byte) ([]byte, error) {
	s := strings.TrimSpace(string(b))
	if s == "" || s == "=" {
		return nil, nil
	}
	d, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: SASL data is not base64: %v", ErrProtocol, err)
	}
	return d, nil
}

// session establishes the session after authentication: with stream
// management, it resumes the previous session if it can, or binds and
// enables stream management; without, it binds.
func (n *negotiation) session(feats fastxml.Node) (jid string, resumed bool, err error) {
	sm := n.cfg.StreamManagement
	if sm == nil {
		jid, err = n.bind(feats)
		return jid, false, err
	}
	if !feats.Child(stream.NSSM, "sm").Valid() {
		return "", false, ErrNoStreamManagement
	}
	ev := n.cfg.Stream.Events
	if sm.Resumable() {
		// The answer is read into the element feats is a view of: keep
		// the features for binding if the resumption fails.
		feats = n.e.Clone().Root()
		if _, err := n.conn.Write(sm.AppendResume(nil)); err != nil {
			return "", false, err
		}
		root, err := n.next()
		if err != nil {
			return "", false, err
		}
		if resumed, err = sm.HandleResumed(root, ev); err != nil || resumed {
			return sm.JID, resumed, err
		}
	}
	if jid, err = n.bind(feats); err != nil {
		return "", false, err
	}
	if _, err := n.conn.Write(sm.AppendEnable(nil)); err != nil {
		return "", false, err
	}
	root, err := n.next()
	if err != nil {
		return "", false, err
	}
	if err := sm.HandleEnabled(root, ev); err != nil {
		return "", false, err
	}
	sm.JID = jid
	return jid, false, nil
}

// bind binds a resource (RFC 6120 §7) and, where the server requires
// it, establishes the legacy session (RFC 3921).
func (n *negotiation) bind(feats fastxml.Node) (string, error) {
	if !feats.Child(NSBind, "bind").Valid() {
		return "", fmt.Errorf("%w: no <bind/> feature", ErrBindRefused)
	}
	// Decided now: feats is a view of the element the answers are read
	// into.
	sess := feats.Child(NSSession, "session")
	needSession := sess.Valid() && !sess.Child(NSSession, "optional").Valid()
	var b stanza.Builder
	b.IQ("", "", "set", "bind-1").Start("bind").Attr("xmlns", NSBind)
	if n.resource != "" {
		b.Element("resource", n.resource)
	}
	b.EndAll()
	if _, err := n.conn.Write(b.Bytes()); err != nil {
		return "", err
	}
	root, err := n.next()
	if err != nil {
		return "", err
	}
	typ, _ := root.Attr("", "type")
	jid := root.Child(NSBind, "bind").Child(NSBind, "jid")
	if !root.Is(stream.NSClient, "iq") || string(typ.Raw()) != "result" || !jid.Valid() {
		return "", fmt.Errorf("%w: %s", ErrBindRefused, root.Raw())
	}
	full := string(jid.AppendText(nil))
	if needSession {
		b.Reset(nil)
		b.IQ("", "", "set", "session-1").Start("session").Attr("xmlns", NSSession).EndAll()
		if _, err := n.conn.Write(b.Bytes()); err != nil {
			return "", err
		}
		root, err := n.next()
		if err != nil {
			return "", err
		}
		if typ, _ := root.Attr("", "type"); string(typ.Raw()) != "result" {
			return "", fmt.Errorf("%w: session refused: %s", ErrProtocol, root.Raw())
		}
	}
	return full, nil
}
