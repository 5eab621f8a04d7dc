package fastxml

// Kind is the kind of a token returned by Scanner.Next.
type Kind uint8

// Token kinds.
const (
	None         Kind = iota // no token (returned with an error)
	StartElement             // a start tag or an empty-element tag
	EndElement               // an end tag, or the end of an empty-element tag
	Text                     // character data or a CDATA section
	WholeElement             // a whole unit, read into an Element by NextElement
)

var kindNames = [...]string{"None", "StartElement", "EndElement", "Text", "WholeElement"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(?)"
}

// Name is a namespace-resolved name. Space and Local are kept apart and
// never joined: a separator inside a namespace URI cannot forge a name.
// Prefix is the prefix as written (empty when there is none). All three
// slices are borrowed: read-only and valid only as long as the token or
// Element they came from.
type Name struct {
	Space  []byte // namespace name (URI); empty for no namespace
	Prefix []byte // prefix as written in the input
	Local  []byte // local part
}

// Is reports whether the name is (space, local). It does not allocate.
func (n Name) Is(space, local string) bool {
	return string(n.Local) == local && string(n.Space) == space
}

// Namespace names the XML specifications define.
const (
	XMLNamespace   = "http://www.w3.org/XML/1998/namespace" // bound to the prefix xml
	XMLNSNamespace = "http://www.w3.org/2000/xmlns/"        // namespace of xmlns attributes
)

// Attr is one attribute of a start tag: a small handle whose methods
// read the attribute's name and value on demand. Namespace declarations
// are attributes too: their Name().Space is XMLNSNamespace. What the
// methods return is borrowed like everything else from the token or
// Element the Attr came from.
type Attr struct {
	r     *attrRec
	raw   []byte // the bytes the record's offsets index
	names []byte // namespace arena
}

// Name returns the attribute's namespace-resolved name. An unprefixed
// attribute is in no namespace.
//
// Every method of the zero Attr (a lookup's answer for an attribute that
// is not there) returns a zero value: nil bytes, false, the zero Name.
func (a Attr) Name() Name {
	r := a.r
	if r == nil {
		return Name{}
	}
	q := a.raw[r.qStart:r.qEnd]
	n := Name{Space: a.names[r.space.off : r.space.off+r.space.n], Local: q}
	if r.colon >= 0 {
		c := r.colon - r.qStart
		n.Prefix = q[:c]
		n.Local = q[c+1:]
	}
	return n
}

// IsZero reports whether a is the zero Attr, which a lookup returns
// for an attribute that is not there.
func (a Attr) IsZero() bool { return a.r == nil }

// Raw returns the value exactly as written between the quotes.
func (a Attr) Raw() []byte {
	if a.r == nil {
		return nil
	}
	return a.raw[a.r.vStart:a.r.vEnd]
}

// Quote returns the quote the value was written between, ' or ", so
// that Raw can be forwarded between the same quotes without looking for
// them in it; 0 for the zero Attr.
func (a Attr) Quote() byte {
	if a.r == nil {
		return 0
	}
	return a.raw[a.r.vStart-1]
}

// Quoted returns the value exactly as written, with the quotes around
// it: what forwarding the attribute copies.
func (a Attr) Quoted() []byte {
	if a.r == nil {
		return nil
	}
	return a.raw[a.r.vStart-1 : a.r.vEnd+1]
}

// Escaped reports whether Raw differs from the value: it holds a
// reference, or a tab, CR or LF that normalisation turns into a space.
func (a Attr) Escaped() bool { return a.r != nil && a.r.flags&attrEscaped != 0 }

// Value returns the attribute's value without copying when it needs no
// decoding (then it is Raw); otherwise it decodes into scratch[:0] and
// returns that. Give scratch the capacity of the values you expect (it
// is never kept): a longer value makes append allocate.
func (a Attr) Value(scratch []byte) []byte {
	if a.r == nil {
		return nil
	}
	if a.r.flags&attrEscaped == 0 {
		return a.raw[a.r.vStart:a.r.vEnd]
	}
	return appendDecoded(scratch[:0], a.raw[a.r.vStart:a.r.vEnd], true)
}

// AppendValue appends the attribute's value to dst: references
// replaced, and each tab, CR, LF or CR LF pair normalised to one space
// (XML 1.0 §3.3.3; every attribute is CDATA without a DTD).
func (a Attr) AppendValue(dst []byte) []byte {
	if a.r == nil {
		return dst
	}
	raw := a.raw[a.r.vStart:a.r.vEnd]
	if a.r.flags&attrEscaped == 0 {
		return append(dst, raw...)
	}
	return appendDecoded(dst, raw, true)
}

// IsNamespaceDecl reports whether the attribute is an xmlns or
// xmlns:prefix declaration.
func (a Attr) IsNamespaceDecl() bool { return a.r != nil && a.r.flags&attrNSDecl != 0 }

// attrRec is an attribute as the scanner records it: offsets relative
// to the retained region (Scanner.mark), resolved namespace as an
// offset into the namespace arena.
type attrRec struct {
	qStart, qEnd int32 // qualified name
	colon        int32 // offset of ':' in the name, or -1
	vStart, vEnd int32 // raw value, without quotes
	space        span  // resolved namespace, in the namespace arena
	key          uint32
	flags        uint8
}

const (
	attrEscaped uint8 = 1 << iota // value holds references or whitespace to normalise
	attrNSDecl                    // xmlns or xmlns:p
	attrXMLNS                     // namespace is XMLNSNamespace (not in the arena)
	attrXML                       // namespace is XMLNamespace (not in the arena)
)

// span is an offset and length into some byte slice.
type span struct{ off, n int32 }
