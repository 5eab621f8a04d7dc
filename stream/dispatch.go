package stream

import (
	"slices"

	"github.com/xmppcore/xmppcore/stanzapool"
)

// Handler receives the stanzas its Matcher accepts (the seed's
// register_handler with a Callback). Handlers run on the stream's
// dispatcher goroutine, one stanza at a time and in arrival order; the
// first handler whose matcher accepts a stanza gets it, unless
// Continue is set, and then the next ones are tried too.
type Handler struct {
	Name     string
	Match    Matcher
	Func     func(s *Stream, st *Stanza)
	Once     bool // removed after its first stanza (the seed's once)
	Continue bool // let later handlers see the stanza too
}

// Where places a handler relative to another, by name.
type Where struct {
	Before, After string
}

// RegisterHandler adds h at the end of the handler list, or before or
// after the handler named in where (the seed's register_handler with
// before/after).
func (s *Stream) RegisterHandler(h *Handler, where ...Where) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur []*Handler
	if p := s.handlers.Load(); p != nil {
		cur = *p
	}
	at := len(cur)
	for _, w := range where {
		for i, o := range cur {
			if w.Before != "" && o.Name == w.Before {
				at = i
			}
			if w.After != "" && o.Name == w.After {
				at = i + 1
			}
		}
	}
	next := slices.Insert(slices.Clone(cur), at, h)
	s.handlers.Store(&next)
}

// RemoveHandler removes the handlers named name and reports whether
// there were any (the seed's remove_handler).
func (s *Stream) RemoveHandler(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.handlers.Load()
	if p == nil {
		return false
	}
	next := slices.DeleteFunc(slices.Clone(*p), func(h *Handler) bool { return h.Name == name })
	s.handlers.Store(&next)
	return len(next) != len(*p)
}

func (s *Stream) removeHandler(h *Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.handlers.Load()
	next := slices.DeleteFunc(slices.Clone(*p), func(o *Handler) bool { return o == h })
	s.handlers.Store(&next)
}

// InFilter sees each incoming stanza before the handlers, and returns
// it (or another) to go on, or nil to drop it.
type InFilter func(s *Stream, st *Stanza) *Stanza

// OutFilter sees each outgoing stanza before it is queued, and returns
// the buffer (or another) to send, or nil to drop it. It owns the
// buffer it receives: release it when returning another or nil.
type OutFilter func(s *Stream, b *stanzapool.Buffer) *stanzapool.Buffer

type filterEntry[F any] struct {
	id int
	f  F
}

// FilterID identifies an added filter, for RemoveFilter.
type FilterID int

func insertFilter[F any](list []filterEntry[F], e filterEntry[F], order int) []filterEntry[F] {
	if order < 0 || order > len(list) {
		order = len(list)
	}
	return slices.Insert(slices.Clone(list), order, e)
}

// AddInFilter adds an incoming filter at position order (-1: last), as
// the seed's add_filter('in', ...).
func (s *Stream) AddInFilter(f InFilter, order int) FilterID {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filterSeq++
	var cur []filterEntry[InFilter]
	if p := s.inFilters.Load(); p != nil {
		cur = *p
	}
	next := insertFilter(cur, filterEntry[InFilter]{s.filterSeq, f}, order)
	s.inFilters.Store(&next)
	return FilterID(s.filterSeq)
}

// AddOutFilter adds an outgoing filter at position order (-1: last).
func (s *Stream) AddOutFilter(f OutFilter, order int) FilterID {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filterSeq++
	var cur []filterEntry[OutFilter]
	if p := s.outFilters.Load(); p != nil {
		cur = *p
	}
	next := insertFilter(cur, filterEntry[OutFilter]{s.filterSeq, f}, order)
	s.outFilters.Store(&next)
	return FilterID(s.filterSeq)
}

// RemoveFilter removes a filter added before (the seed's del_filter).
func (s *Stream) RemoveFilter(id FilterID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.inFilters.Load(); p != nil {
		next := slices.DeleteFunc(slices.Clone(*p), func(e filterEntry[InFilter]) bool { return e.id == int(id) })
		s.inFilters.Store(&next)
	}
	if p := s.outFilters.Load(); p != nil {
		next := slices.DeleteFunc(slices.Clone(*p), func(e filterEntry[OutFilter]) bool { return e.id == int(id) })
		s.outFilters.Store(&next)
	}
}

func (s *Stream) filterOut(b *stanzapool.Buffer) *stanzapool.Buffer {
	p := s.outFilters.Load()
	if p == nil {
		return b
	}
	for _, e := range *p {
		if b = s.callOutFilter(e.f, b); b == nil {
			return nil
		}
	}
	return b
}

func (s *Stream) callOutFilter(f OutFilter, b *stanzapool.Buffer) (out *stanzapool.Buffer) {
	defer s.recoverPanic()
	return f(s, b)
}

// dispatch runs the in filters and the handlers on one stanza. The
// stanza passed in is released by the caller; one a filter substitutes
// is the filter's to manage.
func (s *Stream) dispatch(st *Stanza) {
	if s.cfg.SM != nil && s.smReceived(st) {
		return
	}
	if p := s.inFilters.Load(); p != nil {
		for _, e := range *p {
			if st = s.callInFilter(e.f, st); st == nil {
				return
			}
		}
	}
	p := s.handlers.Load()
	if p == nil {
		s.events.Emit(EventUnhandled, st)
		return
	}
	handled := false
	for _, h := range *p {
		if !h.Match.Match(st) {
			continue
		}
		handled = true
		if h.Once {
			s.removeHandler(h)
		}
		s.callHandler(h, st)
		if !h.Continue {
			break
		}
	}
	if !handled {
		s.events.Emit(EventUnhandled, st)
	}
}

func (s *Stream) callInFilter(f InFilter, st *Stanza) *Stanza {
	defer s.recoverPanic()
	return f(s, st)
}

func (s *Stream) callHandler(h *Handler, st *Stanza) {
	defer s.recoverPanic()
	h.Func(s, st)
}

// recoverPanic turns a panic of application code into the exception
// hook or event; the stream goes on.
func (s *Stream) recoverPanic() {
	if v := recover(); v != nil {
		if s.cfg.OnPanic != nil {
			s.cfg.OnPanic(s, v)
			return
		}
		s.events.Emit(EventException, v)
	}
}
