package fuzz

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/client"
	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/stream"
)

// dialBound is how long a Dial against the fake server may take: the
// context's 2 s, plus what no deadline interrupts: SCRAM's key
// derivation at sasl.MaxIterations (0.65 s for SHA-512 on the machine this was written on).
const (
	dialTimeout = 2 * time.Second
	dialBound   = dialTimeout + 2*time.Second
)

// FuzzStreamFeatures plays a server that answers client.Dial with the
// fuzzed bytes: turns separated by 0x1E, one turn per write of the
// client (its stream headers, <auth/>, <response/>, the bind and
// session IQs, <enable/>, <resume/>), seeded with what Prosody and
// ejabberd answered in the captures. mode%3 says whether the client
// asks for stream management: no, with a fresh stream.SM, or resuming
// one that holds two unacknowledged stanzas. Dial must return within
// dialBound, never panic, and give either a session or an error; when
// the element the client was waiting for is a <stream:error>, the
// error is a *stream.RemoteError; and no unacknowledged stanza is lost
// or doubled: each is still in the SM or handed back in sm_failed, in
// order, less those the server acknowledged.
func FuzzStreamFeatures(f *testing.F) {
	for _, s := range capturedSessions() {
		f.Add(joinTurns(s.turns), uint8(smOff))
		f.Add(joinTurns(plainOnly(s.turns)), uint8(smOff))
		f.Add(joinTurns(plainOnly(s.turns)), uint8(smFresh))
		if bytes.Contains(joinTurns(s.turns), []byte(stream.NSSM)) {
			f.Add(joinTurns(plainOnly(s.turns)), uint8(smResume))
		}
	}
	const h = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='x' version='1.0'>`
	for _, s := range []string{
		h + `<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`,
		h + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>` +
			"\x1e<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>no</text></stream:error>",
		h + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>` +
			"\x1e<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\x1e" + h +
			`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>` +
			"\x1e<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@localhost/r</jid></bind></iq>" +
			"\x1e<iq type='result' id='session-1'/>\x1e<enabled xmlns='urn:xmpp:sm:3' id='s' resume='1' max='60'/>",
		h + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>` +
			"\x1e<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1mb28scz1jMkZzZEE9PSxpPTQwOTY=</challenge>",
		h + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>` +
			"\x1e<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\x1e" + h +
			`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>` +
			"\x1e<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='1'/>",
		h + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>` +
			"\x1e<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\x1e" + h +
			`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>` +
			"\x1e<failed xmlns='urn:xmpp:sm:3' h='1'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>" +
			"\x1e<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@localhost/r</jid></bind></iq>" +
			"\x1e<enabled xmlns='urn:xmpp:sm:3' id='s2' resume='true'/>",
		h + `<stream:features/>`,
		h + "<stream:features>\x1e</stream:features>",
		`<stream:stream xmlns='jabber:client'>`,
	} {
		f.Add([]byte(s), uint8(smOff))
		f.Add([]byte(s), uint8(smFresh))
		f.Add([]byte(s), uint8(smResume))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		if len(data) > 64<<10 {
			return
		}
		turns := splitTurns(data)
		l := listener(t)
		logc := make(chan turnLog, 1)
		go serveTurns(l, turns, logc, nil)

		cfg := client.Config{JID: "alice@localhost", Password: "p", Addr: l.Addr().String(), TLS: client.NoTLS, AllowPlainWithoutTLS: true}
		m, sent, acct := dialSM(t, &cfg, mode)
		ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
		defer cancel()
		start := time.Now()
		s, err := client.Dial(ctx, cfg)
		took := time.Since(start)
		if s != nil {
			s.Conn().Close()
		}
		var lg turnLog
		select {
		case lg = <-logc:
		case <-time.After(10 * time.Second):
			t.Fatal("the fake server did not finish")
		}
		if lg.err != nil {
			t.Fatalf("fake server: %v", lg.err)
		}
		if took > dialBound {
			t.Fatalf("Dial took %v (context %v), err %v", took, dialTimeout, err)
		}
		switch {
		case s == nil && err == nil:
			t.Fatal("Dial returned neither a session nor an error")
		case s != nil && err != nil:
			t.Fatalf("Dial returned a session and the error %v", err)
		case err == nil && m != nil:
			if !m.Enabled() || (s.Resumed && mode%3 != smResume) {
				t.Fatalf("session with stream management: enabled %v, resumed %v", m.Enabled(), s.Resumed)
			}
		}
		if m != nil {
			acct.check(t, m, sent, data)
		}
		if k := streamErrorTurn(turns, lg); k >= 0 {
			var re *stream.RemoteError
			if !errors.As(err, &re) {
				t.Fatalf("turn %d is a <stream:error> the client waited for, and Dial returned %T %v", k, err, err)
			}
		}
	})
}

// streamErrorTurn returns the turn that is a <stream:error> the client
// must have read as the answer to its last write, or -1. It looks only
// at sessions that went in lockstep up to it: each turn answered a
// write of the client and holds exactly the element the client reads
// after that write (with the server's header after one of ours); then
// the client read turn k whole, as the answer it was waiting for.
func streamErrorTurn(turns [][]byte, lg turnLog) int {
	var header []byte // the server's current stream header
	for k := 0; k < lg.sent; k++ {
		if !lg.lockstep[k] || lg.abort[k] {
			return -1
		}
		in := turns[k]
		if !lg.restart[k] {
			if header == nil {
				return -1
			}
			in = append(append([]byte(nil), header...), in...)
		}
		r := stream.NewReader(nil, stream.ReaderConfig{ContentNamespaces: []string{stream.NSClient}})
		r.ResetBytes(in)
		if _, err := r.ReadHeader(); err != nil {
			return -1
		}
		if lg.restart[k] {
			header = turns[k][:r.Scanner().InputOffset()]
		}
		var e fastxml.Element
		if err := r.Next(&e); err != nil {
			return -1
		}
		isErr := e.Root().Is(stream.NSStreams, "error")
		var rest fastxml.Element
		if err := r.Next(&rest); err != io.EOF || r.Closed() {
			return -1 // more than one element: the client may not have read all
		}
		if isErr {
			return k
		}
	}
	return -1
}

// Stream management modes of the session targets (mode % 3).
const (
	smOff    = iota // no stream management
	smFresh         // a fresh SM: enable it
	smResume        // an SM with two stanzas out: resume it
)

// dialSM sets cfg's stream management for the mode, and returns the
// SM, the stanzas it holds, and the account of what it hands back.
func dialSM(t *testing.T, cfg *client.Config, mode uint8) (*stream.SM, [][]byte, *smAccount) {
	t.Helper()
	var m *stream.SM
	var sent [][]byte
	switch mode % 3 {
	case smOff:
		return nil, nil, nil
	case smFresh:
		m = new(stream.SM)
	case smResume:
		m, sent = resumableSM(t, 2)
	}
	cfg.StreamManagement = m
	if cfg.Stream.Events == nil {
		cfg.Stream.Events = new(stream.Events)
	}
	acct := new(smAccount)
	acct.watch(cfg.Stream.Events)
	return m, sent, acct
}
