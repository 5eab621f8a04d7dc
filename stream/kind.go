package stream

import "slices"

// Kind names a known kind of first-level element (the seed's root
// stanza classes, registered with register_stanza): stanzas named
// (Space, Local) have Kind Name. message, presence and iq of the
// stream's content namespace are known from the start; an empty Space
// stands for the content namespace.
type Kind struct {
	Name         string
	Space, Local string
}

var defaultKinds = []Kind{{"message", "", "message"}, {"presence", "", "presence"}, {"iq", "", "iq"}}

// RegisterStanza makes a kind of first-level element known, replacing a
// kind of the same Name (the seed's register_stanza).
func (s *Stream) RegisterStanza(k Kind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := slices.DeleteFunc(slices.Clone(s.kindList()), func(o Kind) bool { return o.Name == k.Name })
	next = append(next, k)
	s.kinds.Store(&next)
}

// RemoveStanza forgets a kind (the seed's remove_stanza). Stanzas of an
// unknown kind still reach handlers; their Kind is "".
func (s *Stream) RemoveStanza(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := slices.DeleteFunc(slices.Clone(s.kindList()), func(o Kind) bool { return o.Name == name })
	s.kinds.Store(&next)
}

func (s *Stream) kindList() []Kind {
	if p := s.kinds.Load(); p != nil {
		return *p
	}
	return defaultKinds
}

// KindOf returns the name of the registered kind of st, or "".
func (s *Stream) KindOf(st *Stanza) string {
	nm := st.Root().Name()
	for _, k := range s.kindList() {
		space := k.Space
		if space == "" {
			space = s.cfg.Namespace
		}
		if string(nm.Local) == k.Local && string(nm.Space) == space {
			return k.Name
		}
	}
	return ""
}

// MatchKind matches stanzas of a registered kind, by name.
func (s *Stream) MatchKind(name string) Matcher {
	return MatchFunc(func(st *Stanza) bool { return s.KindOf(st) == name })
}
