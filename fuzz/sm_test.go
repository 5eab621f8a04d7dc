package fuzz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
	"github.com/xmppcore/xmppcore/internal/captures"
	"github.com/xmppcore/xmppcore/stream"
)

// smWait bounds every wait of the stream management target: an answer
// to <r/>, the end of a stream.
const smWait = 3 * time.Second

// FuzzSMElements feeds XEP-0198 elements to stream management.
//
// elem, parsed as one first-level element, is given to HandleEnabled
// and HandleResumed, on a fresh SM and on one holding unacknowledged
// stanzas; neither panics, and each does exactly what it says: on
// <enabled/> a fresh session (counters at 0, the old stanzas handed
// back), on <resumed h/> the acknowledged stanzas released (what is
// left is a suffix of what was there, and exactly h - acked fewer), on
// <failed/> everything handed back and the SM reset, and on an error
// nothing changed.
//
// script drives a running Stream (over net.Pipe, with an enabled SM,
// Inline or not), one byte an operation: the peer sends stanzas, <r/>,
// <a h/> (within what was sent, above it, behind it, or an h that is
// not a number) or elem itself; we send stanzas, a few or bursts, up to
// MaxUnacked (then TrySendRaw must refuse). Every <r/> is answered with
// <a xmlns='urn:xmpp:sm:3' h='N'/>, N the stanzas received; the stream
// goes on until an <a/> acknowledges more than was sent or carries no
// valid h, and then ends with a *stream.Error; the counters never
// claim more acknowledged than sent; and the peer's footer ends it
// cleanly.
func FuzzSMElements(f *testing.F) {
	elems := smSeedElements()
	scripts := [][]byte{
		{},
		{smPeerStanza, smPeerR},
		{smPeerStanza, smPeerStanza | 1<<3, smPeerStanza | 2<<3, smPeerR, smWeSend | 3<<3, smPeerAckAll, smPeerR},
		{smWeSend | 2<<3, smPeerAckUp | 1<<3, smPeerR, smPeerAckUp | 1<<3, smPeerAckUp | 1<<3, smPeerR},
		{smWeSend, smPeerAckBack | 1<<3, smPeerR},
		{smWeSend | 1<<3, smPeerAckUp | 5<<3},
		{smPeerStanza, smInject, smPeerR, smWeSend, smInject, smPeerR},
		{smWeSend | 3<<3, smPeerOdd | 2<<3},
		{smWeSend, smPeerOdd | 4<<3, smPeerR},
		{smWeSend | 28<<3, smPeerAckBack | 3<<3, smPeerR, smWeSend | 1<<3, smPeerAckUp | 2<<3, smPeerR},
		{smWeSend | 28<<3, smWeSend | 29<<3, smWeSend, smPeerAckAll, smWeSend, smPeerR},
	}
	for i, e := range elems {
		f.Add(e, scripts[i%len(scripts)], i%2 == 1)
		f.Add(e, []byte{smWeSend | 3<<3, smPeerAckUp | 1<<3, smPeerStanza, smPeerR}, i%2 == 0)
	}
	for i, s := range scripts {
		f.Add([]byte(`<a xmlns='urn:xmpp:sm:3' h='1'/>`), s, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, elem, script []byte, inline bool) {
		if len(elem) > 4<<10 {
			return
		}
		script = script[:min(len(script), 64)]
		var e fastxml.Element
		r := stream.NewReader(nil, stream.ReaderConfig{})
		r.ResetBytes(append([]byte(hdr), elem...))
		var n fastxml.Node
		if r.Next(&e) == nil {
			n = e.Root()
		}
		if n.Valid() {
			checkHandleEnabled(t, "fresh SM", new(stream.SM), n)
			checkHandleResumed(t, "fresh SM", new(stream.SM), n)
		}
		m := &stream.SM{MaxUnacked: smMaxUnacked}
		if err := m.HandleEnabled(smNode(t, `<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>`), nil); err != nil {
			t.Fatal(err)
		}
		runSMScript(t, m, script, n, inline)
		if n.Valid() {
			checkHandleResumed(t, "SM after a stream", m, n)
			checkHandleEnabled(t, "SM after a stream", m, n)
		}
	})
}

// The operations of FuzzSMElements' script: the low 3 bits of a byte,
// with an argument in the high 5.
const (
	smPeerStanza  = iota // the peer sends message, presence or iq
	smPeerR              // the peer sends <r/> and checks the answer
	smPeerAckUp          // <a/> for the peer's last h plus arg%8
	smPeerAckBack        // <a/> for what we sent less arg%4
	smWeSend             // we send arg%4+1 stanzas, or with arg >= 28 smBurst
	smInject             // the peer sends elem, if it is in urn:xmpp:sm:3 (else <r/>)
	smPeerAckAll         // <a/> for all we sent
	smPeerOdd            // <a h='...'/> with an h from oddH
)

// The running stream's SM takes smMaxUnacked stanzas out at once; a
// burst sends smBurst (acknowledging more than 1024 of them but not
// all makes the SM compact its buffer); a script sends at most
// smMaxSent in all.
const (
	smMaxUnacked = 2000
	smBurst      = 1100
	smMaxSent    = 6000
)

// oddH are values of h at the edges of what XEP-0198 allows.
var oddH = []string{"", "-1", "4294967296", "4294967295", "01", " 1", "1 ", "+1", "0x1", "&#48;", "99999999999", "0000000000", "00000000000", "1.0"}

// smNode parses one element sent by a peer whose header is hdr.
func smNode(t *testing.T, xml string) fastxml.Node {
	t.Helper()
	r := stream.NewReader(nil, stream.ReaderConfig{})
	r.ResetBytes([]byte(hdr + xml))
	e := new(fastxml.Element)
	if err := r.Next(e); err != nil {
		t.Fatalf("%s: %v", xml, err)
	}
	return e.Root()
}

// parseH is XEP-0198's h as the stream takes it: the attribute's
// value, character references decoded (h='&#49;' is 1, as in any XML
// attribute), then 1 to 10 decimal digits (no sign or space), at most
// 2^32-1.
func parseH(n fastxml.Node) (uint32, bool) {
	a, ok := n.Attr("", "h")
	if !ok {
		return 0, false
	}
	raw := a.Value(nil)
	if len(raw) == 0 || len(raw) > 10 {
		return 0, false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(string(raw), 10, 32)
	return uint32(v), err == nil
}

// smState is what can be seen of an SM from outside.
type smState struct {
	enabled              bool
	handled, sent, acked uint32
	unacked              [][]byte
}

func stateOf(t *testing.T, m *stream.SM) smState {
	t.Helper()
	var s smState
	s.enabled = m.Enabled()
	s.handled, s.sent, s.acked = m.Counts()
	s.unacked = m.Unacked()
	// Never more acknowledged than sent: what is out is what was sent
	// less what was acknowledged, modulo 2^32.
	if s.sent-s.acked != uint32(len(s.unacked)) {
		t.Fatalf("counters sent %d, acked %d, with %d stanzas unacknowledged", s.sent, s.acked, len(s.unacked))
	}
	return s
}

func sameStanzas(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// isSuffix reports whether a is a suffix of b.
func isSuffix(a, b [][]byte) bool { return len(a) <= len(b) && sameStanzas(a, b[len(b)-len(a):]) }

type smEvents struct {
	ev               stream.Events
	failed           []*stream.SMFailure
	enabled, resumed int
}

func newSMEvents() *smEvents {
	e := new(smEvents)
	e.ev.On(stream.EventSMFailed, func(d any) { e.failed = append(e.failed, d.(*stream.SMFailure)) })
	e.ev.On(stream.EventSMEnabled, func(any) { e.enabled++ })
	e.ev.On(stream.EventSessionResume, func(any) { e.resumed++ })
	return e
}

func checkHandleEnabled(t *testing.T, what string, m *stream.SM, n fastxml.Node) {
	t.Helper()
	before := stateOf(t, m)
	ev := newSMEvents()
	err := m.HandleEnabled(n, &ev.ev)
	after := stateOf(t, m)
	if err != nil {
		if n.Is(stream.NSSM, "enabled") {
			t.Fatalf("%s: HandleEnabled(%s): %v", what, n.Raw(), err)
		}
		if !sameState(before, after) || len(ev.failed)+ev.enabled+ev.resumed > 0 {
			t.Fatalf("%s: HandleEnabled(%s) failed (%v) and changed the SM: %+v -> %+v, events %+v", what, n.Raw(), err, before, after, ev)
		}
		return
	}
	if !n.Is(stream.NSSM, "enabled") {
		t.Fatalf("%s: HandleEnabled accepted %s", what, n.Raw())
	}
	if !after.enabled || after.handled != 0 || after.sent != 0 || after.acked != 0 || len(after.unacked) != 0 || ev.enabled != 1 {
		t.Fatalf("%s: after HandleEnabled(%s): %+v, %d sm_enabled", what, n.Raw(), after, ev.enabled)
	}
	if len(before.unacked) > 0 {
		if len(ev.failed) != 1 || !sameStanzas(ev.failed[0].Unacked, before.unacked) {
			t.Fatalf("%s: HandleEnabled(%s) with %d stanzas unacknowledged handed back %+v", what, n.Raw(), len(before.unacked), ev.failed)
		}
	} else if len(ev.failed) != 0 {
		t.Fatalf("%s: HandleEnabled(%s) with nothing unacknowledged emitted sm_failed %+v", what, n.Raw(), ev.failed)
	}
	if m.Resumable() && m.ID() == "" {
		t.Fatalf("%s: resumable without an id after %s", what, n.Raw())
	}
}

func checkHandleResumed(t *testing.T, what string, m *stream.SM, n fastxml.Node) {
	t.Helper()
	before := stateOf(t, m)
	ev := newSMEvents()
	ok, err := m.HandleResumed(n, &ev.ev)
	after := stateOf(t, m)
	h, hasH := parseH(n)
	switch {
	case ok && err != nil:
		t.Fatalf("%s: HandleResumed(%s) = true, %v", what, n.Raw(), err)
	case ok:
		if !n.Is(stream.NSSM, "resumed") || !hasH {
			t.Fatalf("%s: HandleResumed resumed with %s", what, n.Raw())
		}
		if !isSuffix(after.unacked, before.unacked) {
			t.Fatalf("%s: HandleResumed(%s): unacked %q is not a suffix of %q", what, n.Raw(), after.unacked, before.unacked)
		}
		if after.acked != h || after.sent != before.sent || after.handled != before.handled ||
			after.acked-before.acked != uint32(len(before.unacked)-len(after.unacked)) || ev.resumed != 1 || len(ev.failed) != 0 {
			t.Fatalf("%s: HandleResumed(%s): %+v -> %+v, events %+v", what, n.Raw(), before, after, ev)
		}
	case err == nil:
		if !n.Is(stream.NSSM, "failed") {
			t.Fatalf("%s: HandleResumed(%s) = false, nil: only <failed/> says so", what, n.Raw())
		}
		if after.enabled || after.handled != 0 || after.sent != 0 || after.acked != 0 || len(after.unacked) != 0 {
			t.Fatalf("%s: HandleResumed(%s) did not reset the SM: %+v", what, n.Raw(), after)
		}
		if len(ev.failed) != 1 || !isSuffix(ev.failed[0].Unacked, before.unacked) {
			t.Fatalf("%s: HandleResumed(%s) with %q unacknowledged handed back %+v", what, n.Raw(), before.unacked, ev.failed)
		}
		if hasH && uint32(len(before.unacked)) >= h-before.acked && len(ev.failed[0].Unacked) != len(before.unacked)-int(h-before.acked) {
			t.Fatalf("%s: HandleResumed(%s) handed back %d of %d, acked %d", what, n.Raw(), len(ev.failed[0].Unacked), len(before.unacked), before.acked)
		}
	default:
		if !sameState(before, after) || len(ev.failed)+ev.enabled+ev.resumed > 0 {
			t.Fatalf("%s: HandleResumed(%s) failed (%v) and changed the SM: %+v -> %+v, events %+v", what, n.Raw(), err, before, after, ev)
		}
		if n.Is(stream.NSSM, "resumed") && hasH && h-before.acked <= uint32(len(before.unacked)) {
			t.Fatalf("%s: HandleResumed(%s) refused an h within what was sent (%+v): %v", what, n.Raw(), before, err)
		}
		if n.Is(stream.NSSM, "resumed") && hasH && !errors.Is(err, stream.ErrHandledCountTooHigh) {
			t.Fatalf("%s: HandleResumed(%s): %v, want ErrHandledCountTooHigh", what, n.Raw(), err)
		}
	}
}

func sameState(a, b smState) bool {
	return a.enabled == b.enabled && a.handled == b.handled && a.sent == b.sent && a.acked == b.acked && sameStanzas(a.unacked, b.unacked)
}

// runSMScript runs a Stream with m over net.Pipe, and plays the peer.
func runSMScript(t *testing.T, m *stream.SM, script []byte, elem fastxml.Node, inline bool) {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	s := stream.New(a, stream.Config{SM: m, CloseWait: smWait, Inline: inline})
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	out := readOurOutput(b)

	var recv, sent, acked uint32 // the model: what the SM must count
	var ids []string             // the ids of the stanzas we sent
	seen := 0                    // how many of them the peer has seen
	write := func(x string) bool {
		b.SetWriteDeadline(time.Now().Add(smWait))
		_, err := b.Write([]byte(x))
		return err == nil
	}
	// ended is called when the model says the stream must have ended
	// with a stream error of the condition.
	ended := func(op string, cond stream.Condition, is error) {
		t.Helper()
		select {
		case err := <-done:
			var se *stream.Error
			if !errors.As(err, &se) || se.Condition != cond || (is != nil && !errors.Is(err, is)) {
				t.Fatalf("after %s: Run returned %T %v, want a *stream.Error %s", op, err, err, cond)
			}
		case <-time.After(smWait):
			t.Fatalf("after %s: the stream goes on", op)
		}
		checkSMCounts(t, m, recv, sent, acked, ids)
	}
	// ack sends <a/> with h as written, and reports whether the stream
	// goes on.
	ack := func(op, h string) bool {
		t.Helper()
		a := `<a xmlns='urn:xmpp:sm:3' h='` + h + `'/>`
		if !write(a) {
			t.Fatalf("%s: the stream stopped reading: %v", op, runErr(done))
		}
		v, ok := parseH(smNode(t, a))
		if !ok {
			ended(op, stream.ErrInvalidXML, nil)
			return false
		}
		if v-acked > sent-acked {
			ended(op, stream.ErrUndefinedCondition, stream.ErrHandledCountTooHigh)
			return false
		}
		acked = v
		return true
	}
	askR := func(op string) {
		t.Helper()
		if !write(`<r xmlns='urn:xmpp:sm:3'/>`) {
			t.Fatalf("%s: the stream stopped reading: %v", op, runErr(done))
		}
		select {
		case h := <-out.acks:
			if want := strconv.FormatUint(uint64(recv), 10); h != want {
				t.Fatalf("%s: <r/> answered with h='%s', want %s", op, h, want)
			}
		case err := <-done:
			t.Fatalf("%s: the stream ended instead of answering <r/>: %v", op, err)
		case <-time.After(smWait):
			t.Fatalf("%s: no answer to <r/>", op)
		}
		checkSMCounts(t, m, recv, sent, acked, ids)
	}

	if !write(hdr) {
		t.Fatalf("the stream did not read our header: %v", runErr(done))
	}
	for i, c := range script {
		op, arg := c&7, c>>3
		name := fmt.Sprintf("op %d (%#x)", i, c)
		switch op {
		case smPeerStanza:
			st := [...]string{`<message from='b@x/r' type='chat'><body>x</body></message>`, `<presence from='b@x/r'/>`, `<iq type='result' id='q' from='x'/>`}[arg%3]
			if !write(st) {
				t.Fatalf("%s: the stream stopped reading: %v", name, runErr(done))
			}
			recv++
		case smPeerR:
			askR(name)
		case smPeerAckUp:
			if !ack(name, strconv.FormatUint(uint64(acked+uint32(arg%8)), 10)) {
				return
			}
		case smPeerAckBack:
			if !ack(name, strconv.FormatUint(uint64(sent-uint32(arg%4)), 10)) {
				return
			}
		case smPeerAckAll:
			if !ack(name, strconv.FormatUint(uint64(sent), 10)) {
				return
			}
		case smPeerOdd:
			if !ack(name, oddH[int(arg)%len(oddH)]) {
				return
			}
		case smWeSend:
			n := int(arg%4) + 1
			if arg >= 28 { // a burst: enough to make the SM compact its buffer
				n = min(smBurst, smMaxUnacked-int(sent-acked))
			}
			for range n {
				if len(ids) >= smMaxSent {
					break
				}
				id := "m" + strconv.Itoa(len(ids))
				st := []byte(`<message id='` + id + `' to='b@x'/>`)
				if int(sent-acked) >= smMaxUnacked {
					// MaxUnacked are out: TrySendRaw refuses (once the
					// queue is empty, that is the only reason it may).
					for ; seen < len(ids); seen++ {
						select {
						case got := <-out.messages:
							if got != ids[seen] {
								t.Fatalf("%s: sent %s, the peer got %s", name, ids[seen], got)
							}
						case <-time.After(smWait):
							t.Fatalf("%s: message %s never went out", name, ids[seen])
						}
					}
					if err := s.TrySendRaw(st); err != stream.ErrQueueFull {
						t.Fatalf("%s: TrySendRaw with MaxUnacked stanzas out: %v", name, err)
					}
					break
				}
				ctx, cancel := context.WithTimeout(context.Background(), smWait)
				err := s.SendRaw(ctx, st)
				cancel()
				if err != nil {
					t.Fatalf("%s: SendRaw: %v", name, err)
				}
				ids = append(ids, id)
				sent++
			}
		case smInject:
			if !elem.Valid() || string(elem.Space()) != stream.NSSM {
				askR(name)
				continue
			}
			if !write(string(elem.Raw())) {
				t.Fatalf("%s: the stream stopped reading: %v", name, runErr(done))
			}
			switch string(elem.Local()) {
			case "r":
				select {
				case h := <-out.acks:
					if want := strconv.FormatUint(uint64(recv), 10); h != want {
						t.Fatalf("%s: %s answered with h='%s', want %s", name, elem.Raw(), h, want)
					}
				case <-time.After(smWait):
					t.Fatalf("%s: no answer to %s", name, elem.Raw())
				}
			case "a":
				h, ok := parseH(elem)
				if !ok {
					ended(name+" "+string(elem.Raw()), stream.ErrInvalidXML, nil)
					return
				}
				if h-acked > sent-acked {
					ended(name+" "+string(elem.Raw()), stream.ErrUndefinedCondition, stream.ErrHandledCountTooHigh)
					return
				}
				acked = h
			}
		}
	}
	askR("the last <r/>")
	// Our messages went out in order, each once.
	for _, id := range ids[seen:] {
		select {
		case got := <-out.messages:
			if got != id {
				t.Fatalf("sent %s, the peer got %s", id, got)
			}
		case <-time.After(smWait):
			t.Fatalf("message %s never went out", id)
		}
	}
	if !write(`</stream:stream>`) {
		t.Fatalf("footer: the stream stopped reading: %v", runErr(done))
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after the peer's footer, Run returned %v", err)
		}
	case <-time.After(smWait):
		t.Fatal("the stream did not end after the peer's footer")
	}
	checkSMCounts(t, m, recv, sent, acked, ids)
}

// checkSMCounts compares the SM with the model: stanzas received,
// sent and acknowledged, and which are still out.
func checkSMCounts(t *testing.T, m *stream.SM, recv, sent, acked uint32, ids []string) {
	t.Helper()
	st := stateOf(t, m)
	if st.handled != recv || st.sent != sent || st.acked != acked {
		t.Fatalf("counts handled %d, sent %d, acked %d; want %d, %d, %d", st.handled, st.sent, st.acked, recv, sent, acked)
	}
	out := ids[len(ids)-int(sent-acked):]
	for i, u := range st.unacked {
		if want := `<message id='` + out[i] + `' to='b@x'/>`; string(u) != want {
			t.Fatalf("unacked[%d] = %s, want %s", i, u, want)
		}
	}
}

func runErr(done chan error) error {
	select {
	case err := <-done:
		return fmt.Errorf("Run returned %v", err)
	case <-time.After(smWait):
		return errors.New("Run goes on")
	}
}

// smSeedElements returns the stream management elements Prosody and
// ejabberd sent in the captures, and the edges of XEP-0198.
func smSeedElements() [][]byte {
	var out [][]byte
	seen := map[string]bool{}
	add := func(b []byte) {
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, b)
		}
	}
	if files, err := captures.Files(); err == nil {
		for _, f := range files {
			conns, err := captures.Load(f)
			if err != nil {
				continue
			}
			for _, c := range conns {
				for _, s := range captures.Streams(c.Server()) {
					r := stream.NewReader(nil, stream.ReaderConfig{})
					r.ResetBytes(s)
					var e fastxml.Element
					for r.Next(&e) == nil {
						if string(e.Root().Space()) == stream.NSSM {
							add(append([]byte(nil), e.Root().Raw()...))
						}
					}
				}
			}
		}
	}
	for _, s := range []string{
		`<enabled xmlns='urn:xmpp:sm:3' id='x' resume='true' max='600'/>`,
		`<enabled xmlns='urn:xmpp:sm:3' id='x' resume='1' location='[::1]:5222' max='99999999999'/>`,
		`<enabled xmlns='urn:xmpp:sm:3' resume='true'/>`,
		`<enabled xmlns='urn:xmpp:sm:2' id='x' resume='true'/>`,
		`<resumed xmlns='urn:xmpp:sm:3' h='0' previd='x'/>`,
		`<resumed xmlns='urn:xmpp:sm:3' h='2' previd='x'/>`,
		`<resumed xmlns='urn:xmpp:sm:3' h='4294967295' previd='x'/>`,
		`<resumed xmlns='urn:xmpp:sm:3' h='-1' previd='x'/>`,
		`<resumed xmlns='urn:xmpp:sm:3' previd='x'/>`,
		`<failed xmlns='urn:xmpp:sm:3' h='1'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`,
		`<failed xmlns='urn:xmpp:sm:3' h='99'/>`,
		`<failed xmlns='urn:xmpp:sm:3'/>`,
		`<a xmlns='urn:xmpp:sm:3' h='3'/>`,
		`<a xmlns='urn:xmpp:sm:3' h='&#51;'/>`,
		`<r xmlns='urn:xmpp:sm:3'/>`,
		`<sm:r xmlns:sm='urn:xmpp:sm:3'/>`,
	} {
		add([]byte(s))
	}
	return out
}
