package client

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
)

// ProxyError is an HTTP CONNECT proxy refusing the tunnel.
type ProxyError struct {
	Status string // "407 Proxy Authentication Required", ...
}

func (e *ProxyError) Error() string { return "client: the proxy refused the tunnel: " + e.Status }

// dialProxy opens a tunnel to addr through the HTTP CONNECT proxy p
// (the seed's use_proxy / proxy_config), with basic authentication when
// p carries a user.
func dialProxy(ctx context.Context, d *net.Dialer, network string, p *url.URL, addr string) (net.Conn, error) {
	host := p.Host
	if p.Port() == "" {
		host = net.JoinHostPort(p.Hostname(), "8080")
	}
	conn, err := d.DialContext(ctx, network, host)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
		defer conn.SetDeadline(timeZero)
	}
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if p.User != nil {
		pw, _ := p.User.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(p.User.Username()+":"+pw)) + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("client: proxy: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		conn.Close()
		return nil, &ProxyError{Status: resp.Status}
	}
	if br.Buffered() > 0 { // bytes of the tunnel read with the response
		return &prefixConn{Conn: conn, r: io.MultiReader(br, conn)}, nil
	}
	return conn, nil
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (c *prefixConn) Read(p []byte) (int, error) { return c.r.Read(p) }
