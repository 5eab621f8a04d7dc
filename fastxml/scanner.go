package fastxml

import (
	"errors"
	"io"
)

// Options configures a Scanner. The zero value scans one XML document
// with the default Limits.
type Options struct {
	// Limits bound the input; zero fields take their defaults.
	Limits Limits

	// Stream selects stream mode, for XMPP-style streams: the root
	// element is an open-ended container whose children are the units
	// (stanzas) bounded by Limits.MaxStanzaBytes; whitespace directly
	// inside the root is skipped without producing tokens, however
	// long it goes on; and the input may end cleanly (io.EOF) while the
	// root is still open, between units.
	//
	// Without Stream the root element itself is the unit and the input
	// must end after it (document mode).
	Stream bool

	// BufferSize is the initial size of the read buffer; the buffer
	// grows only as far as a single unit needs. Default 16 KiB.
	BufferSize int
}

const (
	defaultBufferSize = 16 << 10
	minRead           = 512 // fill makes at least this much room before reading
)

// Scanner splits UTF-8 XML into tokens, validating as it goes: XML 1.0
// well-formedness, Namespaces in XML, strict UTF-8, the Char production,
// the RFC 6120 §11.1 restrictions, and Limits.
//
// Bytes become tokens here. Names, attribute values and text are handed
// out as slices of the scanner's buffer, valid until the next call to
// Next or ReadElement (a copy happens only when a token straddles two
// reads and the buffer is compacted). Input may arrive in any chunking:
// the tokens and errors are the same however the reads split it.
//
// A Scanner is not safe for concurrent use.
type Scanner struct {
	lim    Limits
	stream bool

	r     io.Reader
	buf   []byte  // buf[:end] holds input not yet discarded; nil until the first read, and after ReleaseBuffer
	owned bool    // buf belongs to the scanner (false after ResetBytes)
	size  int     // the size of a fresh buffer (Options.BufferSize)
	grow  int     // the size GrowBuffer asked for, applied at the next read; 0 for none
	box   *[]byte // holds buf while it is in the pool (see ReleaseBuffer)
	end   int
	pos   int   // next byte to examine
	mark  int   // bytes before mark may be discarded; records are relative to mark
	base  int64 // stream offset of buf[0]
	eof   bool  // no more input will arrive
	err   error // sticky: once set, every call returns it

	// Where the scanner is.
	phase    phase
	depth    int   // open elements
	rootDone bool  // the root element has been closed
	unitOff  int64 // stream offset of the current unit's '<', or -1 (it may precede the buffer)
	retain   bool  // keep every byte from mark (ReadElement in progress)

	// The token in progress, or the last one returned.
	kind           Kind
	tokStart       int // buffer index of its first byte
	tokEnd         int // buffer index just past it
	aux            int // start of the construct in progress inside the token
	refStart       int // buffer index of an unfinished '&', or -1
	refVal         int32
	quote          byte // quote of the attribute value in progress
	spaced         bool // whitespace seen since the last name or value in a tag
	textFlags      uint8
	qColon         int // buffer index of ':' in the element name, or -1
	qEnd           int // buffer index just past the element name
	selfClose      bool
	pendingEnd     bool // an empty-element tag still owes its EndElement
	popOnNext      bool // the last token was an EndElement: pop its element at the next call
	attrs          []attrRec
	decls          int   // namespace declarations among attrs
	resolved       bool  // the fast path resolved the attributes' namespaces
	arenaCut       int32 // len(nsArena) to cut back to at the next call, or -1
	declArenaStart int32 // len(nsArena) before the last tag's declarations

	// Open elements and namespace bindings.
	stack    []openElem
	qnames   []byte // qualified names of open elements, stack discipline
	bindings []nsBinding
	nsArena  []byte // prefixes and URIs of bindings

	debug debugState
}

// phase is the scanner's position inside the grammar. Each phase can
// be suspended when the buffered bytes run out and resumed after the
// next read without re-examining what it already accepted.
type phase uint8

const (
	phBoundary  phase = iota // between tokens
	phText                   // in character data
	phLT                     // after '<'
	phStartName              // in an element name
	phAttrGap                // after the element name or an attribute value
	phAttrName               // in an attribute name
	phAttrEq                 // after an attribute name, before '='
	phAttrQuote              // after '=', before the opening quote
	phAttrValue              // inside a quoted value
	phEmptyEnd               // after '/' in an empty-element tag
	phEndName                // in an end-tag name
	phEndGap                 // after an end-tag name, before '>'
	phBang                   // after "<!"
	phCDATA                  // inside a CDATA section
	phPI                     // in a processing instruction's target
	phDecl                   // inside the XML declaration
)

// Text token flags.
const (
	textRef   uint8 = 1 << iota // contains a reference
	textCR                      // contains a CR to normalise
	textCDATA                   // is the content of a CDATA section
)

// elemUnprefixed, in an element node's flags, records that none of its
// attributes has a prefix, so it has no xml:lang (Node.Lang). Only the
// fast path sets it, for the elements it reads whole; elsewhere it is
// unset, and Lang looks.
const elemUnprefixed uint8 = 1

// openElem is an element whose end tag has not been seen.
type openElem struct {
	qOff, qLen int32 // qualified name in Scanner.qnames
	colon      int32 // offset of ':' in the name, or -1
	space      span  // resolved namespace in Scanner.nsArena
	nBindings  int32 // len(Scanner.bindings) before this element's declarations
	arenaLen   int32 // len(Scanner.nsArena) before them
	unit       bool  // this element is a unit
}

// nsBinding binds a prefix (empty for the default namespace) to a
// namespace name (empty to undeclare the default namespace).
type nsBinding struct {
	prefix, uri span // in Scanner.nsArena
}

var errShort = errors.New("fastxml: need more input") // internal: suspend and read

// NewScanner returns a Scanner reading from r.
func NewScanner(r io.Reader, opts Options) *Scanner {
	s := &Scanner{}
	s.init(opts)
	s.Reset(r)
	return s
}

func (s *Scanner) init(opts Options) {
	s.lim = opts.Limits.withDefaults()
	s.stream = opts.Stream
	n := opts.BufferSize
	if n <= 0 {
		n = defaultBufferSize
	}
	if n < 2*minRead {
		n = 2 * minRead
	}
	s.size = n
	s.buf = nil // taken at the first read
	s.owned = true
}

// Reset makes the scanner read a new input from r, keeping its options
// and the memory it has grown. Tokens of the previous input become
// invalid.
func (s *Scanner) Reset(r io.Reader) {
	if !s.owned {
		s.buf = nil
		s.owned = true
	}
	if s.size == 0 {
		s.size = defaultBufferSize
	}
	s.reset()
	s.r = r
}

// ReleaseBuffer gives the read buffer back to a pool shared by all
// scanners when everything read so far has been scanned, so that a
// scanner waiting for input (an idle stream) holds no buffer; the next
// read takes one again. Everything the scanner returned so far (tokens,
// attributes, elements read into) becomes invalid. It reports whether
// the buffer was released: not when input is still buffered, in the
// middle of ReadElement, or after ResetBytes.
func (s *Scanner) ReleaseBuffer() bool {
	if !s.owned || s.buf == nil || s.end != s.pos || s.retain || s.refStart >= 0 || s.err != nil {
		return false
	}
	s.debug.poisonAll()
	s.shift(s.end)
	s.mark = 0
	s.grow = 0 // the next burst starts at Options.BufferSize again
	if s.box == nil {
		s.box = new([]byte)
	}
	*s.box = s.buf
	putBuffer(s.box)
	s.buf, s.box = nil, nil
	return true
}

// SetSource makes the scanner read what follows from r, keeping what
// it has buffered and its position in the input: the same input,
// reached another way (through a wrapper, say).
func (s *Scanner) SetSource(r io.Reader) { s.r = r }

// ResetBytes makes the scanner scan b, which holds the whole input. The
// scanner reads b in place and never writes to it; tokens are slices of
// b.
func (s *Scanner) ResetBytes(b []byte) {
	s.reset()
	s.r = nil
	s.buf = b
	s.owned = false
	s.end = len(b)
	s.eof = true
}

func (s *Scanner) reset() {
	s.debug.poisonAll()
	*s = Scanner{
		lim: s.lim, stream: s.stream, buf: s.buf, owned: s.owned, size: s.size, box: s.box,
		attrs: s.attrs[:0], stack: s.stack[:0], qnames: s.qnames[:0],
		bindings: s.bindings[:0], nsArena: s.nsArena[:0],
		unitOff: -1, refStart: -1, arenaCut: -1, debug: s.debug,
	}
}

// BufferCap returns the size of the scanner's read buffer, which grows
// only as far as the limits let a single unit or token need.
func (s *Scanner) BufferCap() int {
	if !s.owned {
		return 0
	}
	return len(s.buf)
}

// Offset returns the stream offset of the first byte of the last token.
func (s *Scanner) Offset() int64 { return s.base + int64(s.tokStart) }

// InputOffset returns the stream offset of the first byte not yet
// consumed.
func (s *Scanner) InputOffset() int64 { return s.base + int64(s.pos) }

// Buffered returns how many bytes the scanner has read from its source
// and not yet consumed as tokens.
func (s *Scanner) Buffered() int { return s.end - s.pos }

// Depth returns the number of elements open after the last token: 1
// after the root's StartElement.
func (s *Scanner) Depth() int { return s.depth }

// Next returns the kind of the next token. Its details are read with
// Name, NumAttrs, Attr, RawText, AppendText, Raw and SelfClosing, and
// stay valid until the next call to Next, ReadElement or Reset.
//
// At the end of the input Next returns io.EOF: after the root element
// closed or, in stream mode, between units. Bad input gives an *Error;
// a failing reader's error is returned as is. Errors are sticky.
func (s *Scanner) Next() (Kind, error) {
	if s.err != nil {
		return None, s.err
	}
	s.release()
	if s.phase == phBoundary && !s.pendingEnd {
		// The common case, one call deep: the next token is complete in
		// the buffer.
		k, err := s.scanBoundary()
		if err == nil {
			s.kind = k
			return k, nil
		}
		return s.resume(err)
	}
	return s.next()
}

// release ends the life of the previous token.
func (s *Scanner) release() {
	s.debug.poisonLoans()
	s.debug.bump()
	if s.popOnNext {
		s.popElement()
	}
	if s.arenaCut >= 0 && !s.retain {
		s.nsArena = s.nsArena[:s.arenaCut]
		s.arenaCut = -1
	}
	if !s.retain {
		if Debug && s.owned {
			poisonBytes(s.buf[s.mark:s.pos])
		}
		s.mark = s.pos
	}
}

func (s *Scanner) next() (Kind, error) {
	if s.pendingEnd {
		s.pendingEnd = false
		s.kind = EndElement
		s.tokStart = s.pos
		s.tokEnd = s.pos
		s.closeTop()
		return EndElement, nil
	}
	k, err := s.step()
	if err == nil {
		s.kind = k
		return k, nil
	}
	return s.resume(err)
}

// resume carries on after step stopped with err: it reads more input
// and steps again for as long as the bytes run short, and settles the
// end of input and real errors.
func (s *Scanner) resume(err error) (Kind, error) {
	for {
		if err == errShort {
			err = s.fill()
			if err == nil {
				var k Kind
				if k, err = s.step(); err == nil {
					s.kind = k
					return k, nil
				}
				continue
			}
			if err == io.EOF {
				var k Kind
				if k, err = s.atEOF(); err == nil {
					s.kind = k
					return k, nil
				}
			}
		}
		s.kind = None
		s.err = err
		return None, err
	}
}

// step scans from the current phase until a token is complete (nil
// error), the buffered bytes run out (errShort), or the input is bad.
func (s *Scanner) step() (Kind, error) {
	switch s.phase {
	case phBoundary:
		return s.scanBoundary()
	case phText:
		return s.scanText()
	case phLT, phStartName, phAttrGap, phAttrName, phAttrEq, phAttrQuote, phAttrValue, phEmptyEnd:
		return s.scanStartTag()
	case phEndName, phEndGap:
		return s.scanEndTag()
	case phBang:
		return s.scanBang()
	case phCDATA:
		return s.scanCDATA()
	case phPI:
		return s.scanPI()
	case phDecl:
		return s.scanDecl()
	}
	panic("fastxml: bad phase")
}

// horizon returns the end of the bytes the current token may examine:
// the buffered bytes, cut at Limits.MaxStanzaBytes from the start of the
// unit, or at Limits.MaxHeaderBytes from the start of a token outside
// units.
func (s *Scanner) horizon() int {
	h := s.tokStart + s.lim.MaxHeaderBytes
	if s.unitOff >= 0 {
		h = int(s.unitOff-s.base) + s.lim.MaxStanzaBytes
	}
	if h < s.end {
		return h
	}
	return s.end
}

// short suspends the current phase at p because the bytes up to lim
// are used up. If lim is the size horizon rather than the end of the
// buffered bytes, the unit has grown past its limit.
func (s *Scanner) short(p, lim int) error {
	s.pos = p
	if lim < s.end {
		if s.unitOff < 0 {
			return s.errorAt(lim, ErrPolicyViolation, "header or other token outside elements larger than the limit", "MaxHeaderBytes")
		}
		return s.errorAt(lim, ErrPolicyViolation, "element larger than the size limit", "MaxStanzaBytes")
	}
	return errShort
}

// fill reads more input into the buffer, compacting or growing it first
// when there is too little room. It returns io.EOF when the input has
// ended.
func (s *Scanner) fill() error {
	if s.eof {
		return io.EOF
	}
	if s.r == nil {
		s.eof = true
		return io.EOF
	}
	s.readRoom()
	for tries := 0; tries < 100; tries++ {
		n, err := s.readInto(s.r)
		if err == errBadCount {
			return err
		}
		if err != nil {
			if err == io.EOF {
				s.eof = true
				if n > 0 {
					return nil
				}
				return io.EOF
			}
			if n > 0 {
				// Scan what arrived; the error comes back on the next read.
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}

// Fill reads once from r, not the Scanner's source, into the buffer,
// after what is buffered, and returns what that read returned. It is
// for a caller that reads the source itself, with a non-blocking read,
// say, between tokens; the bytes are scanned as if the Scanner had read
// them. An error is returned and not kept: the Scanner's own next read
// goes on as before.
func (s *Scanner) Fill(r io.Reader) (int, error) {
	if s.eof || s.err != nil {
		return 0, nil
	}
	s.readRoom()
	return s.readInto(r)
}

// readRoom makes sure there is a buffer, with room to read into.
func (s *Scanner) readRoom() {
	if s.buf == nil && s.owned {
		s.box = getBuffer(s.size)
		s.buf, *s.box = *s.box, nil
	}
	if s.grow > len(s.buf) && s.buf != nil {
		s.growTo(s.grow)
	}
	if len(s.buf)-s.end < minRead {
		s.makeRoom()
	}
}

// GrowBuffer asks for a read buffer of n bytes, for a caller that knows
// its source has more queued than the buffer holds (a busy socket
// whose reads fill it): from the next read on, the scanner reads in
// fewer, larger chunks. The buffer is taken from the pool ReleaseBuffer
// gives buffers back to (n a power of two from 4 KiB to 1 MiB is
// pooled), and the smaller one goes back to it; what is buffered is
// kept. After ReleaseBuffer or Reset the scanner starts again at
// Options.BufferSize. A buffer that is already n bytes or larger, and
// a scanner reading a byte slice (ResetBytes), are left as they are.
func (s *Scanner) GrowBuffer(n int) {
	if s.owned && n > len(s.buf) {
		s.grow = n
	}
}

// growTo moves what is buffered into a pooled buffer of n bytes and
// gives the old buffer back to the pool.
func (s *Scanner) growTo(n int) {
	s.grow = 0
	keep := s.end - s.mark
	if n < keep+minRead {
		return // makeRoom grows it as a unit needs
	}
	box := getBuffer(n)
	nb := *box
	*box = nil
	copy(nb, s.buf[s.mark:s.end])
	old := s.buf
	if Debug {
		poisonBytes(old[:s.end])
	}
	if s.box != nil {
		*s.box = old
		putBuffer(s.box)
	}
	s.box = box
	s.buf = nb
	s.shift(s.mark)
}

// errBadCount is a reader's count outside the buffer it was given.
var errBadCount = errors.New("fastxml: reader returned an invalid count")

// readInto makes one read from r after the buffered bytes.
func (s *Scanner) readInto(r io.Reader) (int, error) {
	n, err := r.Read(s.buf[s.end:])
	if n < 0 || n > len(s.buf)-s.end {
		return 0, errBadCount
	}
	s.end += n
	return n, err
}

// makeRoom discards the bytes before mark, or grows the buffer when
// discarding would free less than half of it. Growth is bounded because
// the horizon stops every token and unit at Limits.MaxStanzaBytes.
func (s *Scanner) makeRoom() {
	keep := s.end - s.mark
	if s.mark > 0 && keep <= len(s.buf)/2 {
		copy(s.buf, s.buf[s.mark:s.end])
		if Debug {
			poisonBytes(s.buf[keep:s.end])
		}
		s.shift(s.mark)
		return
	}
	size := 2 * len(s.buf)
	if size < keep+minRead {
		size = keep + minRead
	}
	nb := make([]byte, size)
	copy(nb, s.buf[s.mark:s.end])
	if Debug {
		poisonBytes(s.buf[s.mark:s.end])
	}
	s.buf = nb
	s.shift(s.mark)
}

// shift renumbers buffer indices after the first d bytes were dropped.
// Records relative to mark need no change.
func (s *Scanner) shift(d int) {
	if d == 0 {
		return
	}
	s.base += int64(d)
	s.end -= d
	s.pos -= d
	s.mark -= d
	s.tokStart -= d
	s.tokEnd -= d
	s.aux -= d
	s.qEnd -= d
	if s.qColon >= 0 {
		s.qColon -= d
	}
	if s.refStart >= 0 {
		s.refStart -= d
	}
}

// errorAt returns the *Error for a problem at buffer index i.
func (s *Scanner) errorAt(i int, c Condition, reason, limit string) error {
	return &Error{Offset: s.base + int64(i), Condition: c, Reason: reason, Limit: limit}
}

func (s *Scanner) notWF(i int, reason string) error {
	return s.errorAt(i, ErrNotWellFormed, reason, "")
}

// atEOF decides what the end of input means in the current phase.
func (s *Scanner) atEOF() (Kind, error) {
	switch s.phase {
	case phBoundary:
		if s.pos < s.end {
			// Bytes were held back for a look at what follows (an
			// encoding signature); with no more coming, decide now.
			k, err := s.scanBoundary()
			if err == errShort {
				err = s.notWF(s.end, "input ended inside a tag")
			}
			return k, err
		}
		switch {
		case s.depth == 0 && s.rootDone:
			return None, io.EOF
		case s.depth == 0:
			return None, s.notWF(s.end, "input ended before the root element")
		case s.depth == 1 && s.stream:
			return None, io.EOF
		}
		return None, s.notWF(s.end, "input ended inside an element")
	case phText:
		// Text directly inside the stream root may end with the input,
		// but only if it ends on a whole character and reference.
		if s.depth == 1 && s.stream && s.unitOff < 0 && s.pos < s.end && s.refStart < 0 {
			// Held back to look at what follows (a ']' that might begin
			// "]]>"); with no more input, finish the run.
			if k, err := s.scanText(); err != errShort {
				return k, err
			}
		}
		if s.depth == 1 && s.stream && s.unitOff < 0 && s.refStart < 0 && s.pos == s.end {
			s.tokEnd = s.end
			s.pos = s.end
			s.phase = phBoundary
			return Text, nil
		}
		return None, s.notWF(s.end, "input ended inside an element")
	case phCDATA:
		return None, s.notWF(s.end, "input ended inside a CDATA section")
	case phDecl:
		return None, s.notWF(s.end, "input ended inside the XML declaration")
	}
	return None, s.notWF(s.end, "input ended inside a tag")
}

// scanBoundary starts the next token. Whitespace where it carries no
// meaning (before and after the root, and in stream mode directly
// inside it) is consumed here without a token and without being kept.
func (s *Scanner) scanBoundary() (Kind, error) {
	b := s.buf
	p := s.pos
	if s.base == 0 && p == 0 && s.end > 0 {
		if err := s.checkEncodingSignature(); err != nil {
			return None, err
		}
	}
	outside := s.depth == 0 || (s.depth == 1 && s.stream)
	if outside {
		for p < s.end && isSpace(b[p]) {
			p++
		}
		if !s.retain {
			s.mark = p
		}
	}
	if p == s.end {
		s.pos = p
		return None, errShort
	}
	s.tokStart = p
	s.pos = p
	if b[p] == '<' {
		s.phase = phLT
		if lim := s.horizon(); p+1 < lim {
			switch c := b[p+1]; {
			case c == '/':
				if s.scanEndFast(b, lim) {
					return EndElement, nil
				}
			case byteClass[c]&clsNCNameStart != 0:
				if err := s.openTag(); err != nil {
					return None, err
				}
				if k, ok, err := s.scanStartFast(b, s.horizon()); ok {
					return k, err
				}
			}
		}
		return s.scanStartTag()
	}
	if s.depth == 0 {
		if s.rootDone {
			return None, s.notWF(p, "text after the root element")
		}
		return None, s.notWF(p, "text before the root element")
	}
	s.textFlags = 0
	s.phase = phText
	return s.scanText()
}

// checkEncodingSignature rejects input that starts like UTF-16 or
// UTF-32 as unsupported-encoding rather than as garbage: a byte order
// mark (FE FF, FF FE), a NUL first byte, or '<' followed by NUL. The
// verdict depends only on the first two bytes, so it waits for the
// second when the first could begin a signature. A UTF-8 encoded U+FEFF
// is not special: RFC 6120 §11.6 makes it a character, hence text before
// the root.
func (s *Scanner) checkEncodingSignature() error {
	b := s.buf[:s.end]
	switch {
	case b[0] == 0:
		return s.errorAt(0, ErrUnsupportedEncoding, "input looks like UTF-16 or UTF-32 (NUL byte at the start)", "")
	case b[0] != '<' && b[0] != 0xFE && b[0] != 0xFF:
		return nil
	case len(b) < 2:
		if s.eof {
			return nil
		}
		return errShort
	case b[0] == 0xFE && b[1] == 0xFF, b[0] == 0xFF && b[1] == 0xFE:
		return s.errorAt(0, ErrUnsupportedEncoding, "input starts with a UTF-16 byte order mark", "")
	case b[0] == '<' && b[1] == 0:
		return s.errorAt(0, ErrUnsupportedEncoding, "input looks like UTF-16 (NUL byte at the start)", "")
	}
	return nil
}
