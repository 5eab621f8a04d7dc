package stream

import (
	"context"
	"slices"
	"sync"
)

// Names of the events a Stream emits itself. Applications may emit
// their own with Events.Emit (the seed's event()).
const (
	EventStreamStart  = "stream_start"  // the peer's header was read; data: *Header
	EventSessionStart = "session_start" // stanzas may flow (after the XEP-0114 handshake, if any)
	EventDisconnected = "disconnected"  // Run is about to return; data: error or nil
	EventStreamError  = "stream_error"  // the peer sent a stream error; data: *RemoteError
	EventUnhandled    = "unhandled"     // no handler matched a stanza; data: *Stanza, valid during the call
	EventException    = "exception"     // a handler or filter panicked; data: the panic value
	EventKilled       = "killed"        // Abort closed the connection
	// EventUnsent: the stream ended before its session started (a
	// component's handshake failed, say), so the stanzas sent before
	// then were never written; data: [][]byte, those stanzas in the
	// order sent. (With Config.SM they come back through the SM
	// instead.)
	EventUnsent = "unsent"
)

// Events dispatches named events to handlers (the seed's
// add_event_handler, del_event_handler, event, event_handled and
// wait_until). Handlers run synchronously, in the order added, on the
// goroutine that emits. The zero value is ready to use.
type Events struct {
	mu       sync.Mutex
	handlers map[string][]*eventHandler
}

type eventHandler struct {
	fn   func(data any)
	once bool
}

// EventID identifies a registered event handler, for Off.
type EventID struct {
	name string
	h    *eventHandler
}

// On adds fn as a handler of the event name.
func (ev *Events) On(name string, fn func(data any)) EventID {
	return ev.add(name, fn, false)
}

// Once adds fn as a handler that is removed after its first call (the
// seed's disposable handlers).
func (ev *Events) Once(name string, fn func(data any)) EventID {
	return ev.add(name, fn, true)
}

func (ev *Events) add(name string, fn func(any), once bool) EventID {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.handlers == nil {
		ev.handlers = map[string][]*eventHandler{}
	}
	h := &eventHandler{fn: fn, once: once}
	ev.handlers[name] = append(slices.Clone(ev.handlers[name]), h)
	return EventID{name, h}
}

// Off removes a handler and reports whether it was still there.
func (ev *Events) Off(id EventID) bool {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	list := ev.handlers[id.name]
	i := slices.Index(list, id.h)
	if i < 0 {
		return false
	}
	ev.set(id.name, slices.Delete(slices.Clone(list), i, i+1))
	return true
}

// set replaces the event's handlers; an event left without any is
// forgotten, and a registry left empty drops its map (a stream that
// waited once for its session start keeps nothing of it).
func (ev *Events) set(name string, list []*eventHandler) {
	if len(list) > 0 {
		ev.handlers[name] = list
		return
	}
	delete(ev.handlers, name)
	if len(ev.handlers) == 0 {
		ev.handlers = nil
	}
}

// Count returns how many handlers the event has (the seed's
// event_handled).
func (ev *Events) Count(name string) int {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return len(ev.handlers[name])
}

// Emit calls the event's handlers with data.
func (ev *Events) Emit(name string, data any) {
	ev.mu.Lock()
	list := ev.handlers[name]
	for _, h := range list {
		if h.once {
			ev.set(name, slices.DeleteFunc(slices.Clone(ev.handlers[name]), func(o *eventHandler) bool { return o == h }))
		}
	}
	ev.mu.Unlock()
	for _, h := range list {
		h.fn(data)
	}
}

// WaitUntil waits for the next emission of the event and returns its
// data, or ctx's error (the seed's wait_until, with a context instead
// of a timeout).
func (ev *Events) WaitUntil(ctx context.Context, name string) (any, error) {
	got := make(chan any, 1)
	id := ev.Once(name, func(data any) {
		select {
		case got <- data:
		default:
		}
	})
	select {
	case data := <-got:
		return data, nil
	case <-ctx.Done():
		ev.Off(id)
		return nil, ctx.Err()
	}
}
