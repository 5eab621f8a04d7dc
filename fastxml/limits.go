package fastxml

// Limits bound what the scanner accepts, so that a hostile peer cannot
// make it buffer or work without bound. Each limit is enforced while
// bytes arrive, before the offending construct is buffered whole, and
// its violation is reported as ErrPolicyViolation at the first byte past
// the limit.
//
// The zero value is safe and useful: every field that is zero (or
// negative) takes the default documented on it.
type Limits struct {
	// MaxStanzaBytes bounds the raw size of each unit: from its '<' to
	// its last '>' inclusive, exactly MaxStanzaBytes bytes are allowed.
	// A unit is a child of the stream root in stream mode, or the root
	// element in document mode. Default 262144 (256 KiB, Prosody's c2s
	// limit after authentication).
	MaxStanzaBytes int

	// MaxHeaderBytes bounds each token outside the units: the XML
	// declaration, the stream header (the root's start tag in stream
	// mode), and text directly inside the stream root. Default 65536.
	MaxHeaderBytes int

	// MaxDepth bounds element nesting. A unit has depth 1; in stream
	// mode the stream root itself does not count. Default 64.
	MaxDepth int

	// MaxAttrs bounds the attributes (namespace declarations included)
	// of one start tag. Default 128.
	MaxAttrs int

	// MaxNameBytes bounds the length in bytes of every name: element
	// and attribute names (prefix included), PI targets and entity
	// names. Default 1024.
	MaxNameBytes int
}

// Default limits, applied to fields left zero.
const (
	DefaultMaxStanzaBytes = 256 << 10
	DefaultMaxHeaderBytes = 64 << 10
	DefaultMaxDepth       = 64
	DefaultMaxAttrs       = 128
	DefaultMaxNameBytes   = 1024
)

// withDefaults returns l with zero or negative fields replaced by their
// defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxStanzaBytes <= 0 {
		l.MaxStanzaBytes = DefaultMaxStanzaBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxAttrs <= 0 {
		l.MaxAttrs = DefaultMaxAttrs
	}
	if l.MaxNameBytes <= 0 {
		l.MaxNameBytes = DefaultMaxNameBytes
	}
	return l
}
