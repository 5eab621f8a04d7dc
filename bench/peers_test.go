package bench

import (
	"context"
	"encoding/xml"
	"io"
	"net"

	"github.com/xmppcore/xmppcore/internal/benchpeer"
	gosrc "gosrc.io/xmpp"
	gosrcstanza "gosrc.io/xmpp/stanza"
	"mellium.im/xmlstream"
	melliumxmpp "mellium.im/xmpp"
	melliumcomponent "mellium.im/xmpp/component"
	melliumjid "mellium.im/xmpp/jid"
	melliumstanza "mellium.im/xmpp/stanza"
)

// The peers' echo components, each written the way its documentation
// shows: gosrc.io/xmpp with a Router and typed stanza.Message values;
// mellium.im/xmpp with a component session, Serve and a handler that
// decodes each message with encoding/xml, as in its echo bot example.

func gosrcComponent(addr string, sink bool) (func(), error) {
	router := gosrc.NewRouter()
	router.HandleFunc("message", func(s gosrc.Sender, p gosrcstanza.Packet) {
		msg, ok := p.(gosrcstanza.Message)
		if !ok || msg.Body == "" || (sink && msg.Id != "end") {
			return
		}
		s.Send(gosrcstanza.Message{Attrs: gosrcstanza.Attrs{To: msg.From, From: msg.To, Type: msg.Type}, Body: msg.Body})
	})
	c, err := gosrc.NewComponent(gosrc.ComponentOptions{
		TransportConfiguration: gosrc.TransportConfiguration{Address: addr, Domain: benchDomain},
		Domain:                 benchDomain,
		Secret:                 benchSecret,
		Name:                   "bench",
		Category:               "gateway",
		Type:                   "service",
	}, router, func(error) {})
	if err != nil {
		return nil, err
	}
	go c.Connect()
	return func() { c.Disconnect() }, nil
}

// melliumBody is a message with a body, as mellium.im/xmpp's echo bot
// example decodes it.
type melliumBody struct {
	melliumstanza.Message
	Body string `xml:"body"`
}

func melliumComponent(addr string, sink bool) (func(), error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	s, err := melliumcomponent.NewSession(context.Background(), melliumjid.MustParse(benchDomain), []byte(benchSecret), conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Serve(melliumxmpp.HandlerFunc(func(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
			if start.Name.Local != "message" {
				return nil
			}
			var msg melliumBody
			// The example's DecodeElement(&msg, start) on the handler's
			// reader fails with Go 1.26's encoding/xml ("unexpected end
			// element"): the start token was read by the session, not by
			// this decoder. Giving the decoder the start token first is
			// the fix.
			d := xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), t))
			if err := d.Decode(&msg); err != nil && err != io.EOF {
				return nil
			}
			if msg.Body == "" || (sink && msg.ID != benchpeer.EndID) {
				return nil
			}
			return t.Encode(melliumBody{Message: melliumstanza.Message{To: msg.From, From: msg.To, Type: msg.Type}, Body: msg.Body})
		}))
	}()
	return func() { conn.Close(); <-done }, nil
}
