package stream

import (
	"errors"
	"strings"

	"github.com/xmppcore/xmppcore/fastxml"
)

// Matcher decides whether a handler wants a stanza. Match runs on the
// dispatcher for every stanza, so the matchers here do not allocate.
type Matcher interface {
	Match(st *Stanza) bool
}

// MatchFunc adapts a function to Matcher.
type MatchFunc func(st *Stanza) bool

// Match calls f.
func (f MatchFunc) Match(st *Stanza) bool { return f(st) }

// MatchAll matches every stanza.
var MatchAll Matcher = MatchFunc(func(*Stanza) bool { return true })

// MatchID matches stanzas whose id attribute equals it (the seed's
// MatcherId). To match an IQ reply, use MatchReply: an id alone can be
// forged by any peer.
type MatchID string

// Match compares the id attribute.
func (m MatchID) Match(st *Stanza) bool {
	a, ok := st.Root().Attr("", "id")
	return ok && string(a.Raw()) == string(m)
}

// MatchReply matches the reply to an IQ: type result or error, the id
// sent, and from the peer it was sent to (an empty From matches replies
// without a from, as from one's own server). Matching on the id alone is
// a known hole (mellium CVE-2024-46957).
type MatchReply struct {
	ID   string
	From string
}

// Match checks name, type, id and from.
func (m MatchReply) Match(st *Stanza) bool {
	root := st.Root()
	if string(root.Name().Local) != "iq" {
		return false
	}
	typ := st.Attr("type")
	if string(typ) != "result" && string(typ) != "error" {
		return false
	}
	return string(st.Attr("id")) == m.ID && string(st.Attr("from")) == m.From
}

// MatchPath matches a chain of first-level element and descendants by
// name, as the seed's MatchXPath does for simple paths:
// "message/body" matches a message with a body child;
// "iq/{urn:xmpp:ping}ping" names the namespace of a step. A step without
// {namespace} matches any namespace.
type MatchPath struct {
	steps []pathStep
}

type pathStep struct {
	space    string
	anySpace bool
	local    string
}

// Path parses a path for MatchPath.
func Path(p string) (*MatchPath, error) {
	if p == "" {
		return nil, errors.New("stream: empty match path")
	}
	m := &MatchPath{}
	for p != "" {
		var step pathStep
		step.anySpace = true
		if strings.HasPrefix(p, "{") {
			end := strings.IndexByte(p, '}')
			if end < 0 {
				return nil, errors.New("stream: unterminated {namespace} in match path")
			}
			step.space, step.anySpace = p[1:end], false
			p = p[end+1:]
		}
		local, rest, _ := strings.Cut(p, "/")
		if local == "" {
			return nil, errors.New("stream: empty step in match path")
		}
		step.local, p = local, rest
		m.steps = append(m.steps, step)
	}
	return m, nil
}

// MustPath is Path for paths known to be valid; it panics otherwise.
func MustPath(p string) *MatchPath {
	m, err := Path(p)
	if err != nil {
		panic(err)
	}
	return m
}

func (s *pathStep) matches(n fastxml.Node) bool {
	if s.anySpace {
		return string(n.Local()) == s.local
	}
	return n.Is(s.space, s.local)
}

// Match walks the steps from the stanza's root.
func (m *MatchPath) Match(st *Stanza) bool {
	n := st.Root()
	if !m.steps[0].matches(n) {
		return false
	}
	return m.matchFrom(n, 1)
}

func (m *MatchPath) matchFrom(n fastxml.Node, i int) bool {
	if i == len(m.steps) {
		return true
	}
	for c := n.FirstElement(); c.Valid(); c = c.NextElement() {
		if m.steps[i].matches(c) && m.matchFrom(c, i+1) {
			return true
		}
	}
	return false
}

// MatchMask matches stanzas against an XML mask, as the seed's
// MatchXMLMask does: the stanza's root must have the mask root's name,
// every attribute of the mask with the same value, and for every child
// element of the mask a child that matches it in turn; text in the mask
// must equal the element's text. Elements of the mask without an xmlns
// match any namespace.
type MatchMask struct {
	root maskNode
}

type maskNode struct {
	step     pathStep
	attrs    []maskAttr
	text     string
	hasText  bool
	children []maskNode
}

type maskAttr struct{ space, local, value string }

// Mask parses an XML mask such as `<message type='chat'><body/></message>`.
func Mask(xml string) (*MatchMask, error) {
	s := fastxml.NewScanner(strings.NewReader(xml), fastxml.Options{})
	if _, err := s.Next(); err != nil {
		return nil, err
	}
	var e fastxml.Element
	if err := s.ReadElement(&e); err != nil {
		return nil, err
	}
	m := &MatchMask{}
	m.root = buildMask(e.Root())
	return m, nil
}

// MustMask is Mask for masks known to be valid; it panics otherwise.
func MustMask(xml string) *MatchMask {
	m, err := Mask(xml)
	if err != nil {
		panic(err)
	}
	return m
}

func buildMask(n fastxml.Node) maskNode {
	nm := n.Name()
	mn := maskNode{step: pathStep{local: string(nm.Local), space: string(nm.Space), anySpace: len(nm.Space) == 0}}
	for i := 0; i < n.NumAttrs(); i++ {
		a := n.AttrAt(i)
		if a.IsNamespaceDecl() {
			continue
		}
		an := a.Name()
		mn.attrs = append(mn.attrs, maskAttr{string(an.Space), string(an.Local), string(a.AppendValue(nil))})
	}
	for c := n.FirstChild(); c.Valid(); c = c.NextSibling() {
		if c.IsElement() {
			mn.children = append(mn.children, buildMask(c))
		} else if t := strings.TrimSpace(string(c.AppendText(nil))); t != "" {
			mn.text, mn.hasText = mn.text+t, true
		}
	}
	return mn
}

// Match compares the stanza with the mask.
func (m *MatchMask) Match(st *Stanza) bool { return m.root.matches(st.Root()) }

func (mn *maskNode) matches(n fastxml.Node) bool {
	if !mn.step.matches(n) {
		return false
	}
	var buf [256]byte
	for i := range mn.attrs {
		ma := &mn.attrs[i]
		a, ok := n.Attr(ma.space, ma.local)
		if !ok || string(a.Value(buf[:0])) != ma.value {
			return false
		}
	}
	if mn.hasText && string(n.AppendText(buf[:0])) != mn.text {
		return false
	}
	for i := range mn.children {
		found := false
		for c := n.FirstElement(); c.Valid() && !found; c = c.NextElement() {
			found = mn.children[i].matches(c)
		}
		if !found {
			return false
		}
	}
	return true
}
