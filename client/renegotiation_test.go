package client

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/xmpptest"
)

// A server that asks for a TLS renegotiation mid-stream is refused: the
// session ends with the no_renegotiation alert instead of handing the
// peer a second handshake (renegotiation attacks, CVE-2009-3555). Go's
// TLS server cannot renegotiate, so the peer is OpenSSL's s_server on
// TLS 1.2, told to renegotiate ("r" on its stdin) as soon as our stream
// header arrives. A client that accepted would go on waiting for the
// server's stream header and fail on the context instead.
func TestSecurityCase18RenegotiationRefused(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		msg := "openssl is not installed: apt-get install openssl (.ci/run does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ca, cert, key := xmpptest.Certs(t, "localhost")
	port := freePort(t)
	cmd := exec.Command(openssl, "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(port),
		"-tls1_2", "-cert", cert, "-key", key, "-naccept", "1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// s_server prints what it receives without a line end: read chunks.
	chunks := make(chan string, 64)
	go func() {
		defer close(chunks)
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				chunks <- string(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	var out strings.Builder
	waitLine := func(what string) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case c, ok := <-chunks:
				if !ok {
					t.Fatalf("s_server exited before printing %q; it printed %q", what, out.String())
				}
				out.WriteString(c)
				if strings.Contains(out.String(), what) {
					out.Reset()
					return
				}
			case <-timeout:
				t.Fatalf("s_server did not print %q in 20 s", what)
			}
		}
	}
	waitLine("ACCEPT")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		s, err := Dial(ctx, Config{
			JID: "alice@localhost", Password: "x",
			Addr: "127.0.0.1:" + strconv.Itoa(port), TLS: DirectTLS, CAFile: ca,
		})
		if s != nil {
			s.Close()
		}
		done <- err
	}()
	waitLine("<stream:stream") // the handshake is done, our header arrived
	if _, err := io.WriteString(stdin, "r\n"); err != nil {
		t.Fatal(err)
	}
	err = <-done
	if err == nil {
		t.Fatal("Dial succeeded against a server that never sent a stream header")
	}
	if errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no renegotiation") {
		t.Fatalf("Dial error = %v, want the TLS no_renegotiation refusal", err)
	}
	t.Logf("refused: %v", err)
}
