package client

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/xmpptest"
)

// connectProxy is a minimal HTTP CONNECT proxy that wants the basic
// credentials user:pass; it counts the tunnels it opened.
func connectProxy(t *testing.T) (addr string, tunnels *atomic.Int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	tunnels = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil || req.Method != http.MethodConnect {
					return
				}
				if u, p, ok := parseProxyAuth(req.Header.Get("Proxy-Authorization")); !ok || u != "user" || p != "pass" {
					io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
					return
				}
				up, err := net.Dial("tcp", req.Host)
				if err != nil {
					io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
					return
				}
				defer up.Close()
				tunnels.Add(1)
				io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return ln.Addr().String(), tunnels
}

func parseProxyAuth(h string) (user, pass string, ok bool) {
	r := http.Request{Header: http.Header{"Authorization": {h}}}
	return r.BasicAuth()
}

// Through an HTTP CONNECT proxy with basic authentication, to Prosody;
// wrong proxy credentials are a *ProxyError.
func TestProxy(t *testing.T) {
	srv := xmpptest.StartProsody(t)
	addr, tunnels := connectProxy(t)
	alice := srv.Users[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile,
		Proxy: &url.URL{Scheme: "http", User: url.UserPassword("user", "pass"), Host: addr}})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, ctx, sess)
	if tunnels.Load() != 1 {
		t.Errorf("%d tunnels through the proxy, want 1", tunnels.Load())
	}
	_, err = Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile,
		Proxy: &url.URL{Scheme: "http", User: url.UserPassword("user", "wrong"), Host: addr}})
	var pe *ProxyError
	if !errors.As(err, &pe) || pe.Status != "407 Proxy Authentication Required" {
		t.Fatalf("wrong proxy credentials: %v", err)
	}
}
