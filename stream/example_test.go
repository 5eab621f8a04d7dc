package stream_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stanza"
	"github.com/xmppcore/xmppcore/stream"
)

// Reading a stream: the header is checked, then each first-level
// element arrives as an Element; errors carry their RFC 6120 condition.
func ExampleReader() {
	in := `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' version='1.0'>` +
		`<presence from='romeo@example.com/orchard'/><message><body>hi</body></message>` +
		`<message><!-- a comment --></message>`
	r := stream.NewReader(strings.NewReader(in), stream.ReaderConfig{})
	h, err := r.ReadHeader()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stream", h.ID, "from", h.From)
	var e fastxml.Element
	for {
		err := r.Next(&e)
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s\n", e.Root().Name().Local)
	}
	// Output:
	// stream s1 from example.com
	// presence
	// message
	// stream: restricted-xml at byte 234: comment
}

// An echo handler that builds each reply straight into the send queue
// with SendAppend: no buffer of its own, no copy. (The peer here is the
// other end of a pipe.)
func ExampleStream_SendAppend() {
	conn, peer := net.Pipe()
	s := stream.New(conn, stream.Config{Inline: true})
	var b stanza.Builder // handlers of one stream run one at a time
	s.RegisterHandler(&stream.Handler{Match: stream.MustPath("message/body"), Func: func(s *stream.Stream, st *stream.Stanza) {
		msg := st.Root()
		from, _ := msg.Attr("", "from")
		s.SendAppend(context.Background(), func(dst []byte) []byte {
			b.ResetAppend(dst)
			b.Start("message").AttrFrom("to", from).Attr("type", "chat").
				Start("body").ContentFrom(msg.ChildLocal("body")).End().End()
			return b.Bytes()
		})
	}})
	go s.Run(context.Background())

	r := stream.NewReader(peer, stream.ReaderConfig{})
	if _, err := r.ReadHeader(); err != nil { // ours
		fmt.Println(err)
		return
	}
	io.WriteString(peer, `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1'>`+
		`<message from='juliet@example.com/balcony'><body>wherefore?</body></message>`)
	var e fastxml.Element
	if err := r.Next(&e); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n", e.Raw())
	s.Abort()
	// Output:
	// <message to='juliet@example.com/balcony' type='chat'><body>wherefore?</body></message>
}
