package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/client"
	"github.com/xmppcore/xmppcore/internal/xmpptest"
)

// xmppbench login and the client echo bot against real Prosody and
// ejabberd: login to ourselves prints JSON; login --to the bot gets its
// echo; a wrong password exits 1 with the SASL condition; bad flags
// exit 2.
func TestLoginAndClientBot(t *testing.T) {
	if code, _, _ := runCmd([]string{"login", "--jid", "a@b"}, ""); code != exitUsage {
		t.Errorf("login without --password: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runCmd([]string{"login", "--jid", "a@b", "--password", "p", "--tls", "maybe"}, ""); code != exitUsage {
		t.Errorf("login --tls maybe: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runCmd([]string{"bot", "--jid", "a@b", "--password", "p", "--component", "c"}, ""); code != exitUsage {
		t.Errorf("bot with both --jid and --component: exit %d, want %d", code, exitUsage)
	}
	for _, start := range []func(testing.TB) *xmpptest.Server{xmpptest.StartProsody, xmpptest.StartEjabberd} {
		srv := start(t)
		t.Run(srv.Name, func(t *testing.T) {
			alice, bob := srv.Users[0], srv.Users[1]
			addr := srv.Addr(srv.C2SPort)
			code, out, errOut := runCmd([]string{"login", "--jid", alice.JID, "--password", alice.Password,
				"--addr", addr, "--ca", srv.CAFile, "--sasl", "SCRAM-SHA-256", "--json", "--timeout", "20s"}, "")
			if code != exitOK {
				t.Fatalf("login: exit %d: %s%s", code, out, errOut)
			}
			var res loginResult
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("login --json: %v: %q", err, out)
			}
			if !strings.HasPrefix(res.JID, alice.JID+"/") || res.SASL != "SCRAM-SHA-256" || !strings.HasPrefix(res.TLSVersion, "TLS 1.") || res.RoundtripMS <= 0 {
				t.Errorf("login result %+v", res)
			}

			// bob runs the client echo bot; alice's login --to bob's full
			// JID waits for its echo.
			ctx, cancel := context.WithCancel(context.Background())
			botDone := make(chan error, 1)
			connected := make(chan string, 1)
			pr, pw := io.Pipe()
			go func() {
				botDone <- echoClient(ctx, client.Config{JID: bob.JID, Password: bob.Password, Addr: addr, CAFile: srv.CAFile}, 20*time.Second, pw)
				pw.Close()
			}()
			go func() {
				buf := make([]byte, 256)
				n, _ := pr.Read(buf)
				if line, ok := strings.CutPrefix(strings.TrimSpace(string(buf[:n])), "connected as "); ok {
					connected <- line
				}
				io.Copy(io.Discard, pr)
			}()
			var bobFull string
			select {
			case bobFull = <-connected:
			case err := <-botDone:
				t.Fatalf("client bot: %v", err)
			case <-time.After(20 * time.Second):
				t.Fatal("client bot did not connect")
			}
			code, out, errOut = runCmd([]string{"login", "--jid", alice.JID, "--password", alice.Password,
				"--addr", addr, "--ca", srv.CAFile, "--to", bobFull, "--timeout", "20s"}, "")
			if code != exitOK || !strings.Contains(out, "round trip") {
				t.Errorf("login --to the bot: exit %d: %s%s", code, out, errOut)
			}
			cancel()
			if err := <-botDone; err != nil {
				t.Errorf("client bot: %v", err)
			}

			code, _, errOut = runCmd([]string{"login", "--jid", alice.JID, "--password", "wrong",
				"--addr", addr, "--ca", srv.CAFile, "--timeout", "20s"}, "")
			if code != exitFail || !strings.Contains(errOut, "not-authorized") {
				t.Errorf("wrong password: exit %d: %s", code, errOut)
			}
		})
	}
}
