package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xmppcore/xmppcore/client"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
)

const loginUsage = `usage: xmppbench login --jid JID --password P [--addr HOST:PORT] [--tls starttls|direct]
                       [--ca FILE] [--sasl MECH] [--to JID] [--json] [--timeout D]

Connects as a client, secures the connection with TLS, authenticates,
binds a resource and sends a message to itself (or, with --to, to that
JID, and waits for a reply from it), then prints one line: the bound
JID, the TLS version, the SASL mechanism and the round trip. Exits 0 on
success, 1 on any failure (printed), within --timeout.

Without --addr it connects where the domain's DNS SRV records say
(_xmpps-client first, then _xmpp-client), or to the domain itself on
port 5222 (5223 with --tls direct).

Flags:
`

// loginResult is the --json output.
type loginResult struct {
	JID         string  `json:"jid"`
	TLSVersion  string  `json:"tls_version"`
	SASL        string  `json:"sasl"`
	RoundtripMS float64 `json:"roundtrip_ms"`
}

// clientFlags are the connection flags login and bot share.
type clientFlags struct {
	jid, password, addr, tlsMode, ca, sasl *string
}

// addClientFlags defines the flags on fs; addr, if not nil, is an
// --addr flag already defined.
func addClientFlags(fs *flag.FlagSet, addr *string) clientFlags {
	if addr == nil {
		addr = fs.String("addr", "", "server address HOST:PORT (default: DNS SRV for the JID's domain)")
	}
	return clientFlags{
		jid:      fs.String("jid", "", "the account, localpart@domain[/resource]"),
		password: fs.String("password", "", "the account's password"),
		addr:     addr,
		tlsMode:  fs.String("tls", "starttls", "starttls (required) or direct (XEP-0368)"),
		ca:       fs.String("ca", "", "PEM file of the CA to trust instead of the system's"),
		sasl:     fs.String("sasl", "", "SASL mechanism to use (default: the best offered)"),
	}
}

// config turns the flags into a client.Config, or an error for a usage
// message.
func (f clientFlags) config() (client.Config, error) {
	c := client.Config{JID: *f.jid, Password: *f.password, Addr: *f.addr, CAFile: *f.ca}
	switch *f.tlsMode {
	case "starttls":
		c.TLS = client.StartTLS
	case "direct":
		c.TLS = client.DirectTLS
	default:
		return c, fmt.Errorf("--tls must be starttls or direct, not %q", *f.tlsMode)
	}
	if *f.sasl != "" {
		c.Mechanisms = []string{*f.sasl}
	}
	if c.JID == "" || c.Password == "" {
		return c, errors.New("--jid and --password are required")
	}
	return c, nil
}

func runLogin(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, loginUsage)
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs, nil)
	to := fs.String("to", "", "send to this JID and wait for its reply (default: to ourselves)")
	asJSON := fs.Bool("json", false, "print a JSON object")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on the whole run")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	cfg, err := cf.config()
	if err != nil || fs.NArg() != 0 {
		if err != nil {
			fmt.Fprintln(stderr, "xmppbench login:", err)
		}
		fs.Usage()
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res, err := login(ctx, cfg, *to)
	if err != nil {
		fmt.Fprintln(stderr, "xmppbench login:", err)
		return exitFail
	}
	if *asJSON {
		json.NewEncoder(stdout).Encode(res)
	} else {
		fmt.Fprintf(stdout, "logged in as %s over %s with %s; round trip %.1f ms\n", res.JID, res.TLSVersion, res.SASL, res.RoundtripMS)
	}
	return exitOK
}

// login runs the session and the round trip.
func login(ctx context.Context, cfg client.Config, to string) (loginResult, error) {
	sess, err := client.Dial(ctx, cfg)
	if err != nil {
		return loginResult{}, err
	}
	res := loginResult{JID: sess.JID, SASL: sess.Mechanism, TLSVersion: "none"}
	if sess.TLS != nil {
		res.TLSVersion = tls.VersionName(sess.TLS.Version)
	}
	peer := to
	if peer == "" {
		peer = sess.JID
	}
	bare := func(j string) string { b, _, _ := strings.Cut(j, "/"); return b }
	reply := make(chan struct{}, 1)
	sess.RegisterHandler(&stream.Handler{Name: "reply", Match: stream.MustPath("message"), Func: func(s *stream.Stream, st *stream.Stanza) {
		from := string(st.Attr("from"))
		if from == peer || bare(from) == bare(peer) {
			select {
			case reply <- struct{}{}:
			default:
			}
		}
	}})
	done := make(chan error, 1)
	go func() { done <- sess.Run(ctx) }()
	buf := sess.NewBuffer()
	var b stanza.Builder
	b.Reset(buf.B)
	b.Message(peer, "", "chat", sess.NewID()).Element("body", "xmppbench login").End()
	buf.B = b.Bytes()
	start := time.Now()
	if err := sess.Send(ctx, buf); err != nil {
		sess.Abort()
		return res, err
	}
	select {
	case <-reply:
		res.RoundtripMS = float64(time.Since(start).Microseconds()) / 1000
	case err := <-done:
		if err == nil {
			err = errors.New("the server closed the stream")
		}
		return res, err
	case <-ctx.Done():
		sess.Abort()
		return res, fmt.Errorf("no message back from %s: %w", peer, ctx.Err())
	}
	sess.Close()
	select {
	case <-done:
	case <-ctx.Done():
		sess.Abort()
	}
	return res, nil
}
