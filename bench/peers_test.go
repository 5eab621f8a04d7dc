package bench

import (
	gosrc "gosrc.io/xmpp"
	gosrcstanza "gosrc.io/xmpp/stanza"
)

// The peers' echo components, each written the way its documentation
// shows: gosrc.io/xmpp with a Router and typed stanza.Message values.
// (mellium.im/xmpp's component session stalls in this harness after the
// handshake; it is left out until that is understood.)

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
