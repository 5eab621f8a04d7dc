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

// AppendReply appends to dst, with b, the echo of a received message:
// to and from swapped, the same type and the same body, all copied as
// they were received (no decoding and re-encoding).
func AppendReply(b *stanza.Builder, dst []byte, msg fastxml.Node) []byte {
	// One pass over the attributes as written: a value found is the
	// bytes received, quotes and all.
	var from, to, typ []byte
	for i, n := 0, msg.NumAttrs(); i < n; i++ {
		switch name, v := msg.RawAttrAt(i); string(name) {
		case "from":
			from = v
		case "to":
			to = v
		case "type":
			typ = v
		}
		if from != nil && to != nil && typ != nil {
			break // no attribute comes twice: the rest are none of these
		}
	}
	body := msg.ChildLocal("body")
	if plainText(body) {
		// The common case, written out: what the Builder would write,
		// without its bookkeeping of open elements.
		dst = append(dst, "<message"...)
		dst = appendAttr(dst, " to=", from)
		dst = appendAttr(dst, " from=", to)
		dst = appendAttr(dst, " type=", typ)
		dst = append(dst, "><body>"...)
		dst = append(dst, body.RawContent()...)
		return append(dst, "</body></message>"...)
	}
	b.ResetAppend(dst)
	b.Start("message")
	if from != nil {
		b.AttrQuoted("to", from)
	}
	if to != nil {
		b.AttrQuoted("from", to)
	}
	if typ != nil {
		b.AttrQuoted("type", typ)
	}
	b.Start("body").ContentFrom(body).End().End()
	return b.Bytes()
}

// plainText reports whether n holds only character data written as
// such (no CDATA section, no element): its raw content is then what
// Builder.ContentFrom would write.
func plainText(n fastxml.Node) bool {
	for c := n.FirstChild(); c.Valid(); c = c.NextSibling() {
		if !c.IsText() || c.IsCDATA() {
			return false
		}
	}
	return true
}

// appendAttr appends name and a received value with its quotes, if
// there is one.
func appendAttr(dst []byte, name string, quoted []byte) []byte {
	if quoted == nil {
		return dst
	}
	return append(append(dst, name...), quoted...)
}

// Handler returns the echo handler. With onlyID set, only the message
// with that id is answered (the benchmarks' sink mode). A failed Send
// (the stream is ending) is passed to onErr, if set.
func Handler(ctx context.Context, onlyID string, onErr func(error)) *stream.Handler {
	var b stanza.Builder
	return &stream.Handler{
		Name:  "echo",
		Match: stream.MustPath("message/body"),
		Func: func(s *stream.Stream, st *stream.Stanza) {
			// Handlers of one stream run one at a time: b is never shared.
			if onlyID != "" && string(st.Attr("id")) != onlyID {
				return
			}
			msg := st.Root()
			err := s.SendAppend(ctx, func(dst []byte) []byte { return AppendReply(&b, dst, msg) })
			if err != nil && onErr != nil {
				onErr(err)
			}
		},
	}
}
