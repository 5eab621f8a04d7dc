// Package echobot is the echo bot of `xmppbench bot` and of the
// benchmarks: it answers every <message> that has a <body> with a
// message back to its sender.
package echobot

import (
	"context"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
)

// AppendReply appends to dst the echo of a received message: to and
// from swapped, the same type and the same body, all copied as they
// were received (no decoding and re-encoding).
func AppendReply(dst []byte, msg fastxml.Node) []byte {
	var b stanza.Builder
	b.Reset(dst)
	b.Start("message")
	if from, ok := msg.Attr("", "from"); ok {
		b.AttrFrom("to", from)
	}
	if to, ok := msg.Attr("", "to"); ok {
		b.AttrFrom("from", to)
	}
	if typ, ok := msg.Attr("", "type"); ok {
		b.AttrFrom("type", typ)
	}
	b.Start("body").ContentFrom(msg.ChildLocal("body")).End().End()
	return b.Bytes()
}

// Handler returns the echo handler. With onlyID set, only the message
// with that id is answered (the benchmarks' sink mode). A failed Send
// (the stream is ending) is passed to onErr, if set.
func Handler(ctx context.Context, onlyID string, onErr func(error)) *stream.Handler {
	return &stream.Handler{
		Name:  "echo",
		Match: stream.MustPath("message/body"),
		Func: func(s *stream.Stream, st *stream.Stanza) {
			if onlyID != "" && string(st.Attr("id")) != onlyID {
				return
			}
			buf := s.NewBuffer()
			buf.B = AppendReply(buf.B, st.Root())
			if err := s.Send(ctx, buf); err != nil && onErr != nil {
				onErr(err)
			}
		},
	}
}
