package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"time"

	"github.com/xmppcore/xmppcore/client"
	"github.com/xmppcore/xmppcore/internal/echobot"
	"github.com/xmppcore/xmppcore/stream"
)

const botUsage = `usage: xmppbench bot --addr HOST:PORT --component DOMAIN --secret S
       xmppbench bot --jid JID --password P [--addr HOST:PORT] [--tls starttls|direct] [--ca FILE] [--sasl MECH]

Connects to an XMPP server as an XEP-0114 component (or, with --jid, as
a client) and answers every <message> that has a <body> with a message
back to its sender: to and from swapped, the same body, the same type.
Exits 0 when the server closes the stream, 1 on any error.

Flags:
`

func runBot(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, botUsage)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "", "server's component port, HOST:PORT")
	domain := fs.String("component", "", "the component's domain, as configured on the server")
	secret := fs.String("secret", "", "the component's shared secret")
	timeout := fs.Duration("connect-timeout", 10*time.Second, "how long to wait for the connection (and, as a client, the session)")
	cf := addClientFlags(fs, addr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	asClient := *cf.jid != ""
	if fs.NArg() != 0 || !asClient && (*addr == "" || *domain == "" || *secret == "") || asClient && *domain != "" {
		fs.Usage()
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if asClient {
		cfg, cerr := cf.config()
		if cerr != nil {
			fmt.Fprintln(stderr, "xmppbench bot:", cerr)
			fs.Usage()
			return exitUsage
		}
		err = echoClient(ctx, cfg, *timeout, stdout)
	} else {
		conn, derr := net.DialTimeout("tcp", *addr, *timeout)
		if derr != nil {
			fmt.Fprintln(stderr, "xmppbench bot:", derr)
			return exitFail
		}
		err = echoComponent(ctx, conn, *domain, *secret, stdout)
	}
	switch {
	case err == nil:
		fmt.Fprintln(stdout, "the server closed the stream")
	case serverEnded(err):
		// Prosody drops component connections on shutdown without a
		// footer; a server going away is the end of the bot's job too.
		fmt.Fprintln(stdout, "the server ended the session:", err)
	default:
		fmt.Fprintln(stderr, "xmppbench bot:", err)
		return exitFail
	}
	return exitOK
}

// serverEnded reports whether err is the server ending the session on
// its own rather than a failure: the connection closed between stanzas,
// or a shutdown or reset stream error.
func serverEnded(err error) bool {
	var re *stream.RemoteError
	if errors.As(err, &re) {
		return re.Condition == stream.ErrSystemShutdown || re.Condition == stream.ErrReset
	}
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// echoComponent runs the echo bot on conn until the server closes the
// stream (nil) or something fails.
func echoComponent(ctx context.Context, conn net.Conn, domain, secret string, stdout io.Writer) error {
	s := stream.New(conn, stream.Config{Namespace: stream.NSComponent, To: domain, ComponentSecret: secret, Inline: true})
	s.Events().On(stream.EventSessionStart, func(any) { fmt.Fprintf(stdout, "connected as %s\n", domain) })
	s.RegisterHandler(echobot.Handler(ctx, "", func(error) { s.Abort() }))
	return s.Run(ctx)
}

// echoClient runs the echo bot as a client: it sends its presence (so
// that messages to its bare JID reach it) and echoes until the server
// closes the stream.
func echoClient(ctx context.Context, cfg client.Config, timeout time.Duration, stdout io.Writer) error {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	sess, err := client.Dial(dctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	sess.RegisterHandler(echobot.Handler(ctx, "", func(error) { sess.Abort() }))
	fmt.Fprintf(stdout, "connected as %s\n", sess.JID)
	if err := sess.SendRaw(ctx, []byte("<presence/>")); err != nil {
		return err
	}
	return sess.Run(ctx)
}
