package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
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
	next              atomic.Uint64 // round robin over addrs
	stop              func()
}

// startPeer starts "xmppbench serve" as a child process with enough
// listeners for conns streams (a loopback address and port pair gives
// about 28 000 ephemeral ports) and returns the target.
func startPeer(conns int) (*target, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ports := conns/20000 + 1
	cmd := exec.Command(exe, "serve", "--listen", "127.0.0.1:0", "--ports", fmt.Sprint(ports), "--stdin")
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
	return &target{addrs: strings.Fields(addrs), secret: benchpeer.DefaultSecret, embedded: true, stop: stop}, nil
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
