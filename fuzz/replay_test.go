package fuzz

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/client"
	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/captures"
	"github.com/xmppcore/xmppcore/stream"
)

// runBound bounds how long a replayed stream may run once the server
// has sent everything and closed its side.
const runBound = 5 * time.Second

// Modes of FuzzSessionReplay (mode % 6): client.Dial, then Run the
// session, without stream management, with a fresh SM, resuming an SM
// with two stanzas out (smOff, smFresh, smResume); or a stream.Stream
// reading the blob's last stream, with an enabled SM or without, or
// with one and handlers run inline.
const (
	replayStream = 3 + iota
	replayStreamPlain
	replayStreamInline // with an enabled SM and Config.Inline
)

// FuzzSessionReplay replays whole captured server sessions, mutated:
// blob is everything a server sent on one connection (after TLS).
//
// In the Dial modes (without stream management, enabling it, or
// resuming a session with two stanzas out) a loopback server answers
// client.Dial with it, element by element (a stream's header with its
// first element, then one first-level element per write of the
// client; what no write asks for goes out when the client falls
// silent), and the session's Stream, if any, runs on what is left. Dial returns within dialBound,
// and a session or an error; Run ends within runBound of the server's
// close, with nil, io.ErrUnexpectedEOF, a *stream.Error or a
// *stream.RemoteError; and no stanza of the resumed session is lost or
// doubled (see FuzzStreamFeatures).
//
// In the Stream modes a stream.Stream reads the blob's last stream from
// a connection the peer closes after it; it ends exactly as a
// stream.Reader of the same bytes predicts (footer: nil; input ending
// between elements: io.ErrUnexpectedEOF; <stream:error>: a
// *stream.RemoteError; refused input: a *stream.Error), and with stream
// management it answers every <r/> with the stanzas received so far,
// counts them all, and ends with a *stream.Error at an <a/> that
// acknowledges what was never sent.
func FuzzSessionReplay(f *testing.F) {
	for _, s := range capturedSessions() {
		blob := bytes.Join(s.turns, nil)
		plain := bytes.Join(plainOnly(s.turns), nil)
		f.Add(blob, uint8(smOff))
		f.Add(plain, uint8(smOff))
		f.Add(plain, uint8(smFresh))
		if bytes.Contains(blob, []byte(stream.NSSM)) {
			f.Add(plain, uint8(smResume))
		}
		f.Add(blob, uint8(replayStream))
		f.Add(blob, uint8(replayStreamPlain))
		f.Add(blob, uint8(replayStreamInline))
	}
	f.Fuzz(func(t *testing.T, blob []byte, mode uint8) {
		if len(blob) > 32<<10 {
			return
		}
		switch mode %= 6; mode {
		case smOff, smFresh, smResume:
			replayToDial(t, blob, mode)
		default:
			replayToStream(t, blob, mode != replayStreamPlain, mode == replayStreamInline)
		}
	})
}

// replayTurns splits a server's bytes into what it answers each write
// of the client with: per stream, the header with the first element,
// then each element; what the reader refuses, and the footer, go with
// the turn before.
func replayTurns(blob []byte) [][]byte {
	var turns [][]byte
	for _, s := range captures.Streams(blob) {
		r := stream.NewReader(nil, stream.ReaderConfig{})
		r.ResetBytes(bytes.Clone(s))
		first := len(turns)
		prev, last := 0, 0 // where the last turn starts and ends
		var e fastxml.Element
		for r.Next(&e) == nil {
			prev, last = last, int(r.Scanner().InputOffset())
			turns = append(turns, s[prev:last])
		}
		switch {
		case last == len(s):
		case len(turns) > first:
			turns[len(turns)-1] = s[prev:]
		default:
			turns = append(turns, s)
		}
	}
	if len(turns) > maxTurns {
		rest := bytes.Join(turns[maxTurns-1:], nil)
		turns = append(turns[:maxTurns-1], rest)
	}
	return turns
}

func replayToDial(t *testing.T, blob []byte, mode uint8) {
	turns := replayTurns(blob)
	l := listener(t)
	logc := make(chan turnLog, 1)
	go serveTurns(l, turns, logc, nil)

	cfg := client.Config{JID: "alice@localhost", Password: "p", Addr: l.Addr().String(), TLS: client.NoTLS, AllowPlainWithoutTLS: true}
	m, sent, acct := dialSM(t, &cfg, mode)
	cfg.Stream.CloseWait = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	start := time.Now()
	s, err := client.Dial(ctx, cfg)
	if took := time.Since(start); took > dialBound {
		t.Errorf("Dial took %v (context %v), err %v", took, dialTimeout, err)
	}
	switch {
	case s == nil && err == nil:
		t.Error("Dial returned neither a session nor an error")
	case s != nil && err != nil:
		t.Errorf("Dial returned a session and the error %v", err)
	case s != nil:
		if m != nil {
			acct.check(t, m, sent, blob)
		}
		done := make(chan error, 1)
		go func() { done <- s.Run(context.Background()) }()
		select {
		case err := <-done:
			if !streamEnd(err) {
				t.Errorf("the session's Run returned %T %v", err, err)
			}
		case <-time.After(runBound):
			t.Error("the session's Stream goes on after the server closed its side")
			s.Abort()
			<-done
		}
	}
	if m != nil {
		acct.check(t, m, sent, blob)
	}
	select {
	case lg := <-logc:
		if lg.err != nil {
			t.Fatalf("fake server: %v", lg.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the fake server did not finish")
	}
}

// streamEnd reports whether err is how a Stream may end: the peer's
// footer (nil), the peer hanging up between stanzas, refused input, or
// the peer's stream error.
func streamEnd(err error) bool {
	var se *stream.Error
	var re *stream.RemoteError
	return err == nil || err == io.ErrUnexpectedEOF || errors.As(err, &se) || errors.As(err, &re)
}

// End classes of a replayed stream.
const (
	endClean      = "nil"
	endUnexpected = "io.ErrUnexpectedEOF"
	endRemote     = "*stream.RemoteError"
	endError      = "*stream.Error"
)

func endClass(err error) string {
	var se *stream.Error
	var re *stream.RemoteError
	switch {
	case err == nil:
		return endClean
	case err == io.ErrUnexpectedEOF:
		return endUnexpected
	case errors.As(err, &re):
		return endRemote
	case errors.As(err, &se):
		return endError
	}
	return "untyped"
}

// replayModel is what a Stream reading in must do, as a Reader of the
// same bytes says: how it ends, the answers to <r/> (with stream
// management), the stanzas counted; smEnd is set when an <a/> ends it
// (the stream then reads on until the connection closes, so later
// stanzas may be counted and later answers may or may not go out).
type replayModel struct {
	end     string
	answers []string
	handled uint32
	total   uint32 // with smEnd: the stanzas in all the input the reader accepts
	smEnd   bool
}

func modelReplay(in []byte, sm bool) replayModel {
	var md replayModel
	r := stream.NewReader(nil, stream.ReaderConfig{})
	r.ResetBytes(bytes.Clone(in))
	if _, err := r.ReadHeader(); err != nil {
		md.end = endError
		return md
	}
	var e fastxml.Element
	for {
		err := r.Next(&e)
		switch {
		case err == io.EOF && r.Closed():
			md.end = endClean
		case err == io.EOF:
			md.end = endUnexpected
		case err != nil:
			md.end = endError
		case e.Root().Is(stream.NSStreams, "error"):
			md.end = endRemote
		}
		if md.end != "" {
			return md
		}
		root := e.Root()
		if !sm {
			continue
		}
		if string(root.Space()) != stream.NSSM {
			switch string(root.Local()) {
			case "message", "presence", "iq":
				md.handled++
			}
			continue
		}
		switch string(root.Local()) {
		case "r":
			md.answers = append(md.answers, strconv.FormatUint(uint64(md.handled), 10))
		case "a":
			// Nothing was sent: only h='0' acknowledges no more than that.
			if h, ok := parseH(root); !ok || h != 0 {
				md.smEnd = true
				md.end = endError
			}
		}
		if md.smEnd {
			// The stream ends with this error whatever the reader
			// meets next (replayToStream counts the stanzas it may
			// still dispatch).
			return md
		}
	}
}

func replayToStream(t *testing.T, blob []byte, sm, inline bool) {
	streams := captures.Streams(blob)
	in := blob
	if len(streams) > 0 {
		in = streams[len(streams)-1]
	}
	md := modelReplay(in, sm)
	if md.smEnd {
		md.total = countAfter(in)
	}

	a, b := halfPipe()
	var m *stream.SM
	if sm {
		m = new(stream.SM)
		if err := m.HandleEnabled(smNode(t, `<enabled xmlns='urn:xmpp:sm:3' id='r' resume='true'/>`), nil); err != nil {
			t.Fatal(err)
		}
	}
	s := stream.New(a, stream.Config{SM: m, CloseWait: time.Second, Inline: inline})
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	out := readOurOutput(b)
	go func() {
		b.Write(in)
		b.CloseWrite()
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(runBound):
		s.Abort()
		t.Fatalf("the Stream goes on after the peer closed its side (%d bytes; model: %+v)", len(in), md)
	}
	<-out.done // Run closed its side: the reader has everything we sent
	b.Close()
	if got := endClass(err); got != md.end {
		t.Fatalf("Run returned %T %v (%s); a Reader of the same bytes says %s", err, err, got, md.end)
	}
	if !sm {
		return
	}
	var answers []string
	for len(out.acks) > 0 {
		answers = append(answers, <-out.acks)
	}
	handled, _, _ := m.Counts()
	if md.smEnd {
		if len(answers) < len(md.answers) || !equalStrings(answers[:len(md.answers)], md.answers) {
			t.Fatalf("<r/> answered with %q, want %q first", answers, md.answers)
		}
		if handled < md.handled || handled > md.total {
			t.Fatalf("handled %d, want from %d to %d", handled, md.handled, md.total)
		}
		return
	}
	if !equalStrings(answers, md.answers) {
		t.Fatalf("<r/> answered with %q, want %q", answers, md.answers)
	}
	if handled != md.handled {
		t.Fatalf("handled %d stanzas, want %d", handled, md.handled)
	}
}

// countAfter counts every stanza a Reader accepts in in.
func countAfter(in []byte) uint32 {
	r := stream.NewReader(nil, stream.ReaderConfig{})
	r.ResetBytes(bytes.Clone(in))
	var e fastxml.Element
	var n uint32
	for r.Next(&e) == nil {
		if e.Root().Is(stream.NSStreams, "error") {
			break
		}
		if string(e.Root().Space()) != stream.NSSM {
			switch string(e.Root().Local()) {
			case "message", "presence", "iq":
				n++
			}
		}
	}
	return n
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
