package client

import (
	"context"
	"net"
	"testing"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stream"
)

// A session answers pings with a result and any request no handler
// takes with service-unavailable; results and errors get no answer.
func TestIQsAnswered(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	s := stream.New(a, stream.Config{})
	answerIQs(s)
	go s.Run(context.Background())
	defer s.Abort()
	r := stream.NewReader(b, stream.ReaderConfig{})
	go b.Write([]byte(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s' version='1.0'>` +
		`<iq type='result' id='r0' from='example.com'/>` +
		`<iq type='get' id='p1' from='example.com'><ping xmlns='urn:xmpp:ping'/></iq>` +
		`<iq type='get' id='v1' from="o'x@example.com/r"><query xmlns='jabber:iq:version'/></iq>`))
	if _, err := r.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	var e fastxml.Element
	for _, want := range []string{
		`<iq to='example.com' id='p1' type='result'/>`,
		`<iq to="o'x@example.com/r" id='v1' type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
	} {
		if err := r.Next(&e); err != nil {
			t.Fatal(err)
		}
		if got := string(e.Raw()); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}
