package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stream"
)

// The bot against a fake component port: handshake, echoes with to and
// from swapped and the same body and type, exit when the server closes.
func TestEchoComponent(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- echoComponent(context.Background(), a, "bot.example.com", "s3cret", &out) }()

	r := stream.NewReader(b, stream.ReaderConfig{})
	h, err := r.ReadHeader()
	if err != nil || h.To != "bot.example.com" || h.ContentNamespace != stream.NSComponent {
		t.Fatalf("header %+v %v", h, err)
	}
	b.Write([]byte(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='id-1' from='bot.example.com'>`))
	var e fastxml.Element
	next := func() string {
		t.Helper()
		if err := r.Next(&e); err != nil {
			t.Fatal(err)
		}
		return string(e.Raw())
	}
	if got, want := next(), string(stream.ComponentHandshake(nil, "id-1", "s3cret")); got != want {
		t.Fatalf("handshake %s, want %s", got, want)
	}
	b.Write([]byte(`<handshake/>`))
	b.Write([]byte(`<message from='juliet@example.com/b' to='echo@bot.example.com' type='chat' id='1'><body>hi &amp; &lt;3</body></message>`))
	b.Write([]byte(`<message from='juliet@example.com/b' to='echo@bot.example.com'><subject>no body</subject></message>`))
	b.Write([]byte(`<message from='romeo@example.net' to='x@bot.example.com' type='normal'><body>two</body></message>`))
	// Values are echoed as received: never decoded and escaped twice.
	b.Write([]byte(`<message from="o'hara@example.net/a&amp;b" to='x@bot.example.com'><body><![CDATA[a<b]]></body></message>`))
	for _, want := range []string{
		`<message to='juliet@example.com/b' from='echo@bot.example.com' type='chat'><body>hi &amp; &lt;3</body></message>`,
		`<message to='romeo@example.net' from='x@bot.example.com' type='normal'><body>two</body></message>`,
		`<message to="o'hara@example.net/a&amp;b" from='x@bot.example.com'><body>a&lt;b</body></message>`,
	} {
		if got := next(); got != want {
			t.Fatalf("reply %s\nwant %s", got, want)
		}
	}
	b.Write([]byte(`</stream:stream>`))
	if err := r.Next(&e); err != io.EOF || !r.Closed() {
		t.Fatalf("the bot did not close its stream: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("bot: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the bot did not exit after the server closed the stream")
	}
	if !strings.Contains(out.String(), "connected as bot.example.com") {
		t.Errorf("output %q", out.String())
	}
}

func TestBotRefused(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	done := make(chan error, 1)
	go func() { done <- echoComponent(context.Background(), a, "bot.example.com", "wrong", io.Discard) }()
	r := stream.NewReader(b, stream.ReaderConfig{})
	r.ReadHeader()
	b.Write([]byte(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='id-1'>`))
	var e fastxml.Element
	r.Next(&e)
	b.Write([]byte(`<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`))
	go io.Copy(io.Discard, b)
	if err := <-done; err == nil || !strings.Contains(err.Error(), "not-authorized") {
		t.Fatalf("bot: %v", err)
	}
}

func TestServerEnded(t *testing.T) {
	for err, want := range map[error]bool{
		io.ErrUnexpectedEOF: true,
		&stream.RemoteError{Condition: stream.ErrSystemShutdown}: true,
		&stream.RemoteError{Condition: stream.ErrNotAuthorized}:  false,
		&stream.Error{Condition: stream.ErrNotWellFormed}:        false,
	} {
		if got := serverEnded(err); got != want {
			t.Errorf("serverEnded(%v) = %v", err, got)
		}
	}
}
