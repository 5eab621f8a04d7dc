package client

import (
	"errors"
	"io"
	"net"
	"sync"

	"github.com/klauspost/compress/zlib"
	"github.com/xmppcore/xmppcore/fastxml"
)

// Stream compression (XEP-0138), zlib only. It is obsolete: compressing
// secrets together with attacker-chosen data over TLS leaks them
// (CRIME-style attacks). It is off unless Config.Compress is set, and
// then used only after TLS and authentication, as XEP-0138 and ejabberd
// CVE-2014-8760 require. The scanner's limits apply to the inflated
// bytes, so a compressed bomb is cut at the stanza limit.

// Namespaces of XEP-0138.
const (
	NSCompressFeature  = "http://jabber.org/features/compress"
	NSCompressProtocol = "http://jabber.org/protocol/compress"
)

// ErrCompressionRefused is the server answering <compress/> with
// <failure/>.
var ErrCompressionRefused = errors.New("client: the server refused stream compression")

// offersZlib reports whether the features offer zlib compression.
func offersZlib(feats fastxml.Node) bool {
	for c := feats.Child(NSCompressFeature, "compression").FirstElement(); c.Valid(); c = c.NextElement() {
		if c.Is(NSCompressFeature, "method") && string(c.AppendText(nil)) == "zlib" {
			return true
		}
	}
	return false
}

// compress negotiates zlib and wraps the connection.
func (n *negotiation) compress() error {
	if _, err := n.conn.Write([]byte("<compress xmlns='" + NSCompressProtocol + "'><method>zlib</method></compress>")); err != nil {
		return err
	}
	root, err := n.next()
	if err != nil {
		return err
	}
	if !root.Is(NSCompressProtocol, "compressed") {
		return ErrCompressionRefused
	}
	n.conn = &zlibConn{Conn: n.conn, w: zlib.NewWriter(n.conn)}
	return nil
}

// zlibConn inflates what it reads and deflates what it writes, flushing
// each write so that a stanza leaves whole.
type zlibConn struct {
	net.Conn
	r  io.ReadCloser // made on the first read: the zlib header comes first
	mu sync.Mutex
	w  *zlib.Writer
}

func (c *zlibConn) Read(p []byte) (int, error) {
	if c.r == nil {
		r, err := zlib.NewReader(c.Conn)
		if err != nil {
			return 0, err
		}
		c.r = r
	}
	return c.r.Read(p)
}

func (c *zlibConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.w.Write(p)
	if err == nil {
		err = c.w.Flush()
	}
	return n, err
}
