package stream_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/xmppcore/xmppcore/fastxml"
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
