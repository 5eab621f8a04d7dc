package stream

import (
	"errors"
	"io"

	"github.com/xmppcore/xmppcore/fastxml"
)

// Namespace names of XMPP streams.
const (
	NSStreams   = "http://etherx.jabber.org/streams" // the stream element
	NSClient    = "jabber:client"                    // client-to-server content
	NSServer    = "jabber:server"                    // server-to-server content
	NSComponent = "jabber:component:accept"          // XEP-0114 component content
)

// ReaderConfig configures a Reader. The zero value accepts the three
// content namespaces with the default fastxml.Limits.
type ReaderConfig struct {
	// Limits bound the incoming XML; zero fields take fastxml's defaults
	// (256 KiB per stanza, depth 64, ...).
	Limits fastxml.Limits

	// ContentNamespaces lists the default namespaces a stream header may
	// declare. Empty means NSClient, NSServer and NSComponent.
	ContentNamespaces []string

	// MaxLangBytes bounds the xml:lang of the stream header and of each
	// first-level element (the stanza's own; its children's are the
	// application's). Default 35, the length BCP 47 §4.4.1 asks
	// implementations to support (ejabberd refuses longer ones the same
	// way, with policy-violation).
	MaxLangBytes int

	// BufferSize is the scanner's initial buffer size; see
	// fastxml.Options.
	BufferSize int

	// BusyBufferSize is the read buffer of a Stream after a read of
	// half its buffer and of 16 KiB or more (a peer sending faster than
	// the stream reads): from then on it reads in chunks this large,
	// until it next waits for input and gives its buffer back to the
	// pool (see fastxml.Scanner.GrowBuffer). Default 256 KiB; negative
	// keeps BufferSize. The Reader alone does not use it.
	BusyBufferSize int
}

// Header is the peer's stream header. Any prefix bound to NSStreams is
// accepted for the stream element ("stream" is only conventional: RFC
// 6120 §4.8.5 lets an entity accept others), Prefix says which was used.
type Header struct {
	ContentNamespace string // the default namespace the header declared
	Prefix           string // prefix of the stream element, usually "stream"
	ID               string
	From             string
	To               string
	Version          string
	Lang             string // xml:lang
}

// Reader reads an XMPP stream: the header, then one first-level element
// (stanza, or other first-level element such as stream:features) per
// call to Next, until the peer's </stream:stream> or the end of input.
type Reader struct {
	s       *fastxml.Scanner
	cfg     ReaderConfig
	header  Header
	kind    contentKind // of header.ContentNamespace
	started bool
	closed  bool
	// stanza is set when the last element Next returned is in the
	// content namespace of a stream whose stanzas the Reader knows (so
	// it is not a stream error, a feature or anything else of another
	// namespace).
	stanza bool
	err    error
}

// defaultContentNamespaces is ContentNamespaces when none are given
// (shared: every Stream has a Reader, and an idle one should cost no
// more than it must).
var defaultContentNamespaces = []string{NSClient, NSServer, NSComponent}

// NewReader returns a Reader of the stream arriving on r.
func NewReader(r io.Reader, cfg ReaderConfig) *Reader {
	if cfg.MaxLangBytes <= 0 {
		cfg.MaxLangBytes = 35
	}
	if len(cfg.ContentNamespaces) == 0 {
		cfg.ContentNamespaces = defaultContentNamespaces
	}
	return &Reader{
		s:   fastxml.NewScanner(r, fastxml.Options{Stream: true, Limits: cfg.Limits, BufferSize: cfg.BufferSize}),
		cfg: cfg,
	}
}

// Reset makes the Reader read a new stream from src, keeping its
// configuration and buffers.
func (r *Reader) Reset(src io.Reader) {
	r.s.Reset(src)
	r.header, r.started, r.closed, r.err = Header{}, false, false, nil
}

// SetSource makes the Reader read what follows from src, keeping its
// state and what it has buffered (see fastxml.Scanner.SetSource).
func (r *Reader) SetSource(src io.Reader) { r.s.SetSource(src) }

// Buffered returns how many bytes were read from the source and not
// yet consumed (whitespace after the last element included).
func (r *Reader) Buffered() int { return r.s.Buffered() }

// ReleaseBuffer gives the read buffer back to a shared pool while
// nothing is buffered (see fastxml.Scanner.ReleaseBuffer); the next
// read takes one again.
func (r *Reader) ReleaseBuffer() bool { return r.s.ReleaseBuffer() }

// ResetBytes makes the Reader read the stream held whole in b, in
// place.
func (r *Reader) ResetBytes(b []byte) {
	r.s.ResetBytes(b)
	r.header, r.started, r.closed, r.err = Header{}, false, false, nil
}

// Scanner returns the underlying scanner.
func (r *Reader) Scanner() *fastxml.Scanner { return r.s }

// Closed reports whether the peer's </stream:stream> has been read.
func (r *Reader) Closed() bool { return r.closed }

func (r *Reader) fail(err error) error {
	r.err = asStreamError(err)
	return r.err
}

// ReadHeader reads and checks the peer's stream header, once; later
// calls return the same header. A stream element that is not
// {http://etherx.jabber.org/streams}stream, or a content namespace not
// in ReaderConfig.ContentNamespaces, is ErrInvalidNamespace.
func (r *Reader) ReadHeader() (*Header, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.started {
		return &r.header, nil
	}
	if _, err := r.s.Next(); err != nil {
		if err == io.EOF { // cannot happen before a root element, but be exact
			err = &Error{Condition: ErrNotWellFormed, Offset: r.s.InputOffset(), Text: "input ended before the stream header"}
		}
		return nil, r.fail(err)
	}
	off := r.s.Offset()
	name := r.s.Name()
	if string(name.Space) != NSStreams || string(name.Local) != "stream" {
		return nil, r.fail(&Error{Condition: ErrInvalidNamespace, Offset: off,
			Text: "the stream header is not a <stream> element in the " + NSStreams + " namespace"})
	}
	h := Header{Prefix: string(name.Prefix)}
	for i := 0; i < r.s.NumAttrs(); i++ {
		a := r.s.Attr(i)
		n := a.Name()
		v := a.AppendValue(nil)
		switch {
		case string(n.Space) == fastxml.XMLNSNamespace && len(n.Prefix) == 0:
			h.ContentNamespace = string(v)
		case string(n.Space) == fastxml.XMLNamespace && string(n.Local) == "lang":
			h.Lang = string(v)
		case len(n.Space) == 0:
			switch string(n.Local) {
			case "id":
				h.ID = string(v)
			case "from":
				h.From = string(v)
			case "to":
				h.To = string(v)
			case "version":
				h.Version = string(v)
			}
		}
	}
	ok := false
	for _, ns := range r.cfg.ContentNamespaces {
		ok = ok || ns == h.ContentNamespace
	}
	if !ok {
		text := "the stream header declares no content namespace"
		if h.ContentNamespace != "" {
			text = "unsupported content namespace " + h.ContentNamespace
		}
		return nil, r.fail(&Error{Condition: ErrInvalidNamespace, Offset: off, Text: text})
	}
	if len(h.Lang) > r.cfg.MaxLangBytes {
		return nil, r.fail(&Error{Condition: ErrPolicyViolation, Offset: off,
			Text: "xml:lang of the stream header is longer than ReaderConfig.MaxLangBytes"})
	}
	r.header = h
	r.kind = kindOf(h.ContentNamespace)
	r.started = true
	return &r.header, nil
}

// Next reads the next first-level element into e, which stays valid
// until the next call. It returns io.EOF when the stream has ended
// cleanly: after the peer's </stream:stream> (Closed reports true) or
// when the input ends between elements. Non-whitespace character data
// between elements is ErrBadFormat; a first-level element in the
// stream's content namespace that is not a stanza (see
// FirstLevelAllowed) is ErrUnsupportedStanzaType; everything the
// scanner refuses comes as an *Error with its condition and offset.
func (r *Reader) Next(e *fastxml.Element) error {
	if r.err != nil {
		return r.err
	}
	if r.closed {
		return io.EOF
	}
	if !r.started {
		if _, err := r.ReadHeader(); err != nil {
			return err
		}
	}
	k, err := r.s.NextElement(e)
	if err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return r.fail(err)
	}
	switch k {
	case fastxml.WholeElement:
		root := e.Root()
		r.stanza = r.kind != kindOther && string(root.Space()) == r.header.ContentNamespace
		if r.stanza && !r.kind.allowsLocal(root.Local()) {
			return r.fail(&Error{Condition: ErrUnsupportedStanzaType, Offset: e.Offset(),
				Text: "<" + string(root.Local()) + "/> in " + r.header.ContentNamespace + " is not a stanza"})
		}
		if lang, ok := root.Lang(); ok && r.langTooLong(lang) {
			return r.fail(&Error{Condition: ErrPolicyViolation, Offset: e.Offset(),
				Text: "xml:lang of a first-level element is longer than ReaderConfig.MaxLangBytes"})
		}
		return nil
	case fastxml.EndElement:
		r.closed = true
		return io.EOF
	}
	// Text directly inside the stream: the scanner has already skipped
	// whitespace, so this is character data where only elements belong.
	return r.fail(&Error{Condition: ErrBadFormat, Offset: r.s.Offset(), Text: "character data between first-level elements"})
}

// langTooLong reports whether the decoded value of an xml:lang
// attribute is longer than MaxLangBytes without decoding one that
// cannot be (a reference only shortens what it stands for).
func (r *Reader) langTooLong(a fastxml.Attr) bool {
	if len(a.Raw()) <= r.cfg.MaxLangBytes {
		return false
	}
	return !a.Escaped() || len(a.AppendValue(nil)) > r.cfg.MaxLangBytes
}

// ReadTrailer reads what follows the peer's </stream:stream> up to the
// end of input: whitespace is allowed, anything else is an error (an
// element or text is ErrNotWellFormed, a comment ErrRestrictedXML).
func (r *Reader) ReadTrailer() error {
	if !r.closed {
		return errors.New("stream: ReadTrailer before the stream was closed")
	}
	if r.err != nil {
		return r.err
	}
	if _, err := r.s.Next(); err != io.EOF {
		return r.fail(err)
	}
	return nil
}

// FirstLevelAllowed reports whether a first-level element named
// {space}local may appear in a stream whose content namespace (the
// header's default namespace) is contentNS. The rule Reader.Next
// applies:
//
//   - In the content namespace of a jabber:client or jabber:server
//     stream, only the stanzas message, presence and iq are allowed; in
//     jabber:component:accept also handshake (XEP-0114). Anything else
//     there, such as <foo/> in jabber:client, is refused with
//     ErrUnsupportedStanzaType (RFC 6120 §4.9.3.24).
//   - Elements in any other namespace pass: the stream layer and the
//     session above it route them (stream features and errors,
//     STARTTLS, SASL, XEP-0198's <r/> and <a/>, dialback), and a
//     handler that matches nothing ignores them.
//   - With a content namespace other than the three above (a custom
//     ReaderConfig.ContentNamespaces), the stream layer does not know
//     the stanzas, and everything passes.
func FirstLevelAllowed(contentNS string, space, local []byte) bool {
	return kindOf(contentNS).allows(contentNS, space, local)
}

// contentKind sorts content namespaces by the first-level elements
// they allow (see FirstLevelAllowed): the Reader sorts its header's
// once, instead of comparing it with each known namespace per stanza.
type contentKind uint8

const (
	kindOther     contentKind = iota // a namespace the stream layer does not know
	kindStanzas                      // jabber:client, jabber:server
	kindComponent                    // jabber:component:accept
)

func kindOf(contentNS string) contentKind {
	switch contentNS {
	case NSClient, NSServer:
		return kindStanzas
	case NSComponent:
		return kindComponent
	}
	return kindOther
}

// allows is FirstLevelAllowed for a content namespace of kind k.
func (k contentKind) allows(contentNS string, space, local []byte) bool {
	return k == kindOther || string(space) != contentNS || k.allowsLocal(local)
}

// allowsLocal reports whether an element named local in the content
// namespace of kind k (not kindOther) is allowed at the first level.
func (k contentKind) allowsLocal(local []byte) bool {
	switch string(local) {
	case "message", "presence", "iq":
		return true
	case "handshake":
		return k == kindComponent
	}
	return false
}
