package fastxml

// Kind is the kind of a token returned by Scanner.Next.
type Kind uint8

// Token kinds.
const (
	None         Kind = iota // no token (returned with an error)
	StartElement             // a start tag or an empty-element tag
	EndElement               // an end tag, or the end of an empty-element tag
	Text                     // character data or a CDATA section
)

var kindNames = [...]string{"None", "StartElement", "EndElement", "Text"}

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

var (
	xmlNSBytes   = []byte(XMLNamespace)
	xmlnsNSBytes = []byte(XMLNSNamespace)
)

// Attr is one attribute of a start tag. Raw is the value exactly as
// written between the quotes; when Escaped is false it is also the
// value, otherwise AppendValue decodes it. Namespace declarations are
// attributes too: their Name.Space is XMLNSNamespace.
type Attr struct {
	Name    Name
	Raw     []byte // value as written, borrowed
	Escaped bool   // Raw holds a reference or a tab, CR or LF that decoding changes
}

// AppendValue appends the attribute's value to dst: references
// replaced, and each tab, CR, LF or CR LF pair normalised to one space
// (XML 1.0 §3.3.3; every attribute is CDATA without a DTD).
func (a Attr) AppendValue(dst []byte) []byte {
	if !a.Escaped {
		return append(dst, a.Raw...)
	}
	return appendDecoded(dst, a.Raw, true)
}

// IsNamespaceDecl reports whether the attribute is an xmlns or
// xmlns:prefix declaration.
func (a Attr) IsNamespaceDecl() bool { return string(a.Name.Space) == XMLNSNamespace }

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
