// Package stream is the XMPP layer above fastxml: stream headers,
// stanza boundaries, RFC 6120 stream error conditions and limits, and
// the Stream that reads, dispatches and writes. Tokens become stanzas
// here: Reader checks the peer's stream header and yields each
// first-level element as a fastxml.Element index over its raw bytes;
// Stream copies each into a pooled Stanza for the dispatcher, where
// filters and handlers get it.
//
// # Goroutines
//
// Run reads on the caller's goroutine. A dispatcher goroutine, fed
// through a lock-free ring in arrival order, runs in filters and
// handlers one stanza at a time. A writer goroutine drains the outgoing
// queue with one write per batch, so a lone stanza leaves at once and
// a burst shares syscalls. Send may be called from any goroutine.
//
// # Ownership
//
// A Stanza is valid until the handler it was given to returns; Retain
// and Release keep it longer. A buffer passed to Send belongs to the
// stream from then on. Both come from pools, so that receiving,
// matching, handling, building and sending allocate nothing in steady
// state.
//
// # From slixmpp's XMLStream
//
// The seed API (slixmpp.xmlstream.XMLStream) maps onto this package as
// follows. Connection management (connect, DNS, TLS, proxies,
// reconnect, keepalive) belongs to the connection layer, which is still
// to come.
//
//	slixmpp                          xmppcore
//	-------                          --------
//	XMLStream(socket)                New(conn, Config)
//	process(timeout)                 Run(ctx), with a deadline on ctx
//	default_ns                       Config.Namespace
//	namespace_map                    Config.NamespaceMap
//	stream_header, stream_footer     Config.Header, Config.Footer
//	stream_ns                        NSStreams
//	start_stream_handler             Config.OnHeader
//	send(stanza, use_filters)        Send(ctx, buf) / SendNoFilters
//	send_raw(data)                   SendRaw(ctx, data)
//	send_xml(element)                Send with a buffer built by stanza.Builder
//	new_id()                         NewID, AppendID
//	register_handler(h, before, after)  RegisterHandler(h, Where{Before, After})
//	remove_handler(name)             RemoveHandler(name)
//	MatcherId / MatchXPath / MatchXMLMask  MatchID / MatchPath (Path) / MatchMask (Mask); MatchReply for IQ replies
//	register_stanza / remove_stanza  RegisterStanza(Kind) / RemoveStanza(name); KindOf, MatchKind
//	add_filter('in'|'out', f, order) AddInFilter / AddOutFilter(f, order)
//	del_filter(mode, f)              RemoveFilter(id)
//	add_event_handler(name, f, disposable)  Events().On / Events().Once
//	del_event_handler(name, f)       Events().Off(id)
//	event(name, data)                Events().Emit(name, data)
//	event_handled(name)              Events().Count(name)
//	wait_until(event, timeout)       Events().WaitUntil(ctx, name)
//	schedule(name, seconds, cb, repeat)  Schedule(name, d, repeat, fn)
//	cancel_schedule(name)            CancelSchedule(name)
//	exception(e)                     Config.OnPanic, or the "exception" event
//	incoming_filter(xml)             AddInFilter (at order 0)
//	disconnected (future)            Done, Err
//	abort()                          Abort
//	disconnect(wait)                 Close (sends the footer, waits Config.CloseWait)
//	use_cdata                        not needed: stanza.Builder escapes, and received CDATA is plain text
//	end_session_on_disconnect        to come with sessions
//	XEP-0114 ComponentXMPP handshake Config.ComponentSecret, ComponentHandshake
package stream
