package client

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zlib"
	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/xmpptest"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
)

// XEP-0138 against ejabberd with zlib on: only when asked, after TLS and
// SASL; a compressed session sends and receives (a message to itself,
// and one of 100 KiB, inflated past what one read holds).
func TestCompressionEjabberd(t *testing.T) {
	srv := xmpptest.StartEjabberdWith(t, xmpptest.Options{Compression: true})
	alice := srv.Users[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile}
	plain, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Compressed {
		t.Error("compressed without being asked")
	}
	plain.Abort()

	cfg.Compress = true
	sess, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.Log())
	}
	if !sess.Compressed {
		t.Fatal("not compressed although ejabberd offers zlib")
	}
	got := make(chan string, 2)
	sess.RegisterHandler(&stream.Handler{Name: "self", Match: stream.MustPath("message/body"), Func: func(s *stream.Stream, st *stream.Stanza) {
		got <- string(st.Root().ChildLocal("body").AppendText(nil))
	}})
	done := make(chan error, 1)
	go func() { done <- sess.Run(ctx) }()
	big := strings.Repeat("compressible ", 100<<10/13)
	for _, body := range []string{"hello, compressed", big} {
		buf := sess.NewBuffer()
		var b stanza.Builder
		b.Reset(buf.B)
		b.Message(sess.JID, "", "chat", "").Element("body", body).End()
		buf.B = b.Bytes()
		if err := sess.Send(ctx, buf); err != nil {
			t.Fatal(err)
		}
		select {
		case g := <-got:
			if g != body {
				t.Errorf("body of %d bytes came back as %d bytes", len(body), len(g))
			}
		case <-ctx.Done():
			t.Fatalf("no message back\n%s", srv.Log())
		}
	}
	sess.Close()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// A compressed bomb is cut at the stanza limit: the limit applies to the
// inflated bytes. 8 MiB of body deflate to a few KiB; the reader stops
// with policy-violation once 256 KiB of the stanza are inflated.
func TestSecurityCase23CompressedBombIsCut(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	zc := &zlibConn{Conn: a, w: zlib.NewWriter(a)}
	go func() {
		zw := zlib.NewWriter(b)
		zw.Write([]byte(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><message><body>`))
		chunk := []byte(strings.Repeat("a", 64<<10))
		for i := 0; i < 128; i++ {
			if _, err := zw.Write(chunk); err != nil {
				return
			}
		}
		zw.Flush()
	}()
	r := stream.NewReader(zc, stream.ReaderConfig{})
	if _, err := r.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	var e fastxml.Element
	err := r.Next(&e)
	if !errors.Is(err, stream.ErrPolicyViolation) {
		t.Fatalf("a compressed 8 MiB stanza: %v, want policy-violation", err)
	}
}
