// Package stream is the XMPP layer above fastxml: stream headers,
// stanza boundaries, RFC 6120 stream error conditions and limits, and
// the Stream that reads, dispatches and writes. Tokens become stanzas
// here: Reader checks the peer's stream header and yields each
// first-level element as a fastxml.Element index over its raw bytes;
// Stream copies each into a slot of the dispatch ring, where filters
// and handlers get it (or, with Config.Inline, hands the view of the
// read buffer to them on the reader goroutine).
//
// # Goroutines
//
// Run reads on the caller's goroutine or, on a socket, on a reader
// goroutine that runs while input flows, with the caller's goroutine
// waiting for input in between (readBursts). A dispatcher goroutine, fed
// through a lock-free ring in arrival order, runs in filters and
// handlers one stanza at a time; with Config.Inline they run on the
// reader instead. A writer goroutine drains the outgoing queue
// (sendqueue.go) with one write per batch, so a lone stanza leaves at
// once and a burst shares syscalls; an inline reader writes its replies
// itself before its next read when the socket takes them. The writer
// runs only while something is queued. A stream on a socket that has
// read everything waits up to Config.ReadLinger (1 ms) for more where it
// is; after that it waits with its read buffer back in a shared pool:
// an idle inline stream is one parked goroutine on a 2 KiB stack and no
// buffers. While a socket is ahead of its reader (a read of 16 KiB or
// more), the reader reads it without waiting and, on Linux, raises its
// receive low-water mark, so that the runtime's poller is not woken for
// every packet nobody waits for; the mark is back at one byte before
// any wait (lowat_linux.go). A read that fills half the 64 KiB buffer
// grows it to ReaderConfig.BusyBufferSize (256 KiB) until the next
// wait: a flood is read in fewer, larger chunks. Send may be called
// from any goroutine; SendAppend builds the stanza straight into the
// send queue instead of into a buffer of its own (the echo benchmarks'
// handlers do).
//
// # Ownership
//
// A Stanza is valid until the handler it was given to returns; Retain
// and Release keep it longer. A buffer passed to Send belongs to the
// stream from then on. Both come from pools, so that receiving,
// matching, handling, building and sending allocate nothing in steady
// state. Stanzas sent before the session starts wait for it; if the
// stream ends first, they come back in EventUnsent.
//
// # Stream management
//
// With Config.SM (XEP-0198, sm.go) every stanza queued is also copied,
// in wire order, into the SM, which outlives the Stream: the peer's
// <a/> releases copies, <r/> is answered with the count of stanzas
// dispatched, and a Stream made later with the same SM resends first
// what the peer did not acknowledge. A stanza handed to Send is either
// acknowledged by the peer or handed back to the application (Send's
// error, EventSMFailed, SM.Unacked). package client negotiates it
// (client.Config.StreamManagement).
//
// # From slixmpp's XMLStream
//
// The seed API (slixmpp.xmlstream.XMLStream) maps onto this package as
// follows. Connection management (connect, DNS, TLS, SASL, proxies,
// reconnect) is package client's (and DNS SRV package tls's); the
// table names where.
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
//	send_xml(element)                Send with a buffer built by stanza.Builder, or SendAppend
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
//	disconnect(wait, reason, ignore_send_queue)  Disconnect(wait, reason, dropQueue); Close; DisconnectReason
//	whitespace_keepalive(_interval)  Config.KeepAlive (client sessions: 5 min by default)
//	(dead peer detection)            Config.IdleTimeout, Config.PingIdle, SM.AckTimeout
//	(slow or silent opening)         Config.OpenTimeout; client.Config.NegotiationTimeout
//	(XEP-0198, slixmpp's plugin)     Config.SM; client.Config.StreamManagement
//	use_cdata                        not needed: stanza.Builder escapes, and received CDATA is plain text
//	end_session_on_disconnect        client.Reconnect ends with the session unless it breaks
//	XEP-0114 ComponentXMPP handshake Config.ComponentSecret, ComponentHandshake
//	connect(host, port, use_ssl)     client.Dial(ctx, client.Config{Addr, TLS: StartTLS|DirectTLS})
//	force_starttls, disable_starttls client.StartTLS (the default), client.NoTLS
//	cancel_connection_attempt()      cancel Dial's ctx
//	configure_dns / dns_service      client.Config.Resolver; tls.Resolver (DNS SRV)
//	use_ipv6                         client.Config.NoIPv6
//	use_proxy, proxy_config          client.Config.Proxy
//	configure_socket                 client.Config.Dialer (its Control)
//	ca_certs, certfile, keyfile, ciphers  client.Config.CAFile, TLSConfig
//	reconnect_delay, auto_reconnect  client.Reconnect(ctx, cfg, Backoff, setup); the reconnect_delay event
//	tls_success, ssl_invalid_chain   client.EventTLSSuccess, client.EventInvalidChain
package stream
