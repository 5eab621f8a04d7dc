package fastxml_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xmppcore/xmppcore/fastxml"
)

// Scanning tokens: names arrive namespace-resolved, values decoded on
// demand.
func ExampleScanner() {
	in := `<a xmlns='urn:example' n='1 &lt; 2'>hi<b/></a>`
	s := fastxml.NewScanner(strings.NewReader(in), fastxml.Options{})
	var scratch []byte
	for {
		k, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		switch k {
		case fastxml.StartElement:
			n := s.Name()
			fmt.Printf("start {%s}%s", n.Space, n.Local)
			for i := 0; i < s.NumAttrs(); i++ {
				if a := s.Attr(i); !a.IsNamespaceDecl() {
					fmt.Printf(" %s=%q", a.Name().Local, a.Value(scratch))
				}
			}
			fmt.Println()
		case fastxml.EndElement:
			fmt.Printf("end %s\n", s.Name().Local)
		case fastxml.Text:
			fmt.Printf("text %q\n", s.Text(scratch))
		}
	}
	// Output:
	// start {urn:example}a n="1 < 2"
	// text "hi"
	// start {urn:example}b
	// end b
	// end a
}

// Reading stanzas: one Element per first-level element of a stream,
// indexed over its raw bytes.
func ExampleScanner_ReadElement() {
	in := `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
		`<message from='juliet@example.com/balcony' type='chat'><body>Wherefore art thou?</body></message>`
	s := fastxml.NewScanner(strings.NewReader(in), fastxml.Options{Stream: true})
	var e fastxml.Element // reused: no allocation per stanza
	for {
		k, err := s.Next()
		if err != nil {
			break // io.EOF: the stream ended between stanzas
		}
		if k != fastxml.StartElement || s.Depth() != 2 {
			continue // the stream header
		}
		if err := s.ReadElement(&e); err != nil {
			fmt.Println(err)
			return
		}
		msg := e.Root()
		from, _ := msg.Attr("", "from")
		body := msg.Child("jabber:client", "body")
		fmt.Printf("%s from %s: %s\n", msg.Name().Local, from.Raw(), body.AppendText(nil))
		fmt.Printf("%d raw bytes\n", len(e.Raw()))
	}
	// Output:
	// message from juliet@example.com/balcony: Wherefore art thou?
	// 97 raw bytes
}

// Errors carry the RFC 6120 condition and the offset.
func ExampleError() {
	s := fastxml.NewScanner(strings.NewReader(`<a><!-- no comments in XMPP --></a>`), fastxml.Options{})
	var err error
	for err == nil {
		_, err = s.Next()
	}
	var fe *fastxml.Error
	if errors.As(err, &fe) {
		fmt.Println(fe.Condition, fe.Offset)
	}
	// Output:
	// restricted-xml 3
}

// A stanza re-serialized to stand alone declares the namespaces it
// inherited.
func ExampleNode_AppendStandalone() {
	in := `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
		`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`
	s := fastxml.NewScanner(strings.NewReader(in), fastxml.Options{Stream: true})
	s.Next() // header
	s.Next() // <stream:features>
	var e fastxml.Element
	if err := s.ReadElement(&e); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(e.Root().AppendStandalone(nil)))
	// Output:
	// <stream:features xmlns:stream="http://etherx.jabber.org/streams"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></stream:features>
}
