package client

import (
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
)

// Every IQ request gets an answer (RFC 6120 §8.2.3): a session answers
// XEP-0199 pings itself, and any get or set no handler took with a
// service-unavailable error. A server that pings idle clients (ejabberd
// with mod_ping) keeps a session that answers.

// NSPing is XEP-0199's namespace.
const NSPing = "urn:xmpp:ping"

// answerIQs installs the ping handler and the service-unavailable
// default on s.
func answerIQs(s *stream.Stream) {
	s.RegisterHandler(&stream.Handler{
		Name:  "xmpp-ping",
		Match: stream.MustPath("iq/{" + NSPing + "}ping"),
		Func: func(s *stream.Stream, st *stream.Stanza) {
			if typ := string(st.Attr("type")); typ == "get" {
				replyIQ(s, st, "")
			}
		},
	})
	s.Events().On(stream.EventUnhandled, func(d any) {
		st, ok := d.(*stream.Stanza)
		if !ok || !st.Is(stream.NSClient, "iq") {
			return
		}
		if typ := string(st.Attr("type")); typ == "get" || typ == "set" {
			replyIQ(s, st, "service-unavailable")
		}
	})
}

// replyIQ answers an IQ request: a result, or an error with condition.
func replyIQ(s *stream.Stream, st *stream.Stanza, condition string) {
	root := st.Root()
	buf := s.NewBuffer()
	var b stanza.Builder
	b.Reset(buf.B)
	b.Start("iq")
	if from, ok := root.Attr("", "from"); ok {
		b.AttrFrom("to", from)
	}
	if id, ok := root.Attr("", "id"); ok {
		b.AttrFrom("id", id)
	}
	if condition == "" {
		b.Attr("type", "result").End()
	} else {
		b.Attr("type", "error").Start("error").Attr("type", "cancel").
			Start(condition).Attr("xmlns", "urn:ietf:params:xml:ns:xmpp-stanzas").End().End().End()
	}
	buf.B = b.Bytes()
	s.TrySend(buf) // never block the dispatcher on an answer
}
