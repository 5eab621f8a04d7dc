package client

import (
	"context"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/xmpptest"
	"github.com/xmppcore/xmppcore/stream"
)

// Our whitespace keepalive is seen by the server: Prosody, told to
// send its own keepalive (a space) to a client silent for 1 s, sends
// nothing to a session that keeps alive every 300 ms, and sends it to
// one that does not.
func TestKeepAliveSeenByProsody(t *testing.T) {
	srv := xmpptest.StartProsodyWith(t, xmpptest.Options{ReadTimeout: time.Second})
	alice := srv.Users[0]
	// serverSpaces runs a silent session for 2.5 s and reports whether
	// the server sent it anything (its keepalive) meanwhile.
	serverSpoke := func(keepAlive time.Duration) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		sess, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile,
			Stream: stream.Config{KeepAlive: keepAlive}})
		if err != nil {
			t.Fatal(err)
		}
		go sess.Run(ctx)
		time.Sleep(200 * time.Millisecond)
		before := sess.Stats().Reads.Load()
		time.Sleep(2500 * time.Millisecond)
		after := sess.Stats().Reads.Load()
		sess.Abort()
		return after != before
	}
	if serverSpoke(300 * time.Millisecond) {
		t.Error("Prosody sent its keepalive to a session that kept alive every 300 ms: it did not see ours")
	}
	if !serverSpoke(-1) {
		t.Error("Prosody sent nothing to a silent session: the check above proves nothing")
	}
}

// A server that pings idle clients (ejabberd's mod_ping, every second,
// killing clients that do not answer within a second) keeps a session
// that stays silent for 4 s: the session answers the pings.
func TestPingsAnsweredForEjabberd(t *testing.T) {
	srv := xmpptest.StartEjabberdWith(t, xmpptest.Options{PingInterval: time.Second})
	alice := srv.Users[0]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sess, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile,
		Stream: stream.Config{KeepAlive: -1}})
	if err != nil {
		t.Fatal(err)
	}
	pings := 0
	sess.RegisterHandler(&stream.Handler{Name: "count", Continue: true, Match: stream.MustPath("iq/{urn:xmpp:ping}ping"),
		Func: func(*stream.Stream, *stream.Stanza) { pings++ }}, stream.Where{Before: "xmpp-ping"})
	got := make(chan struct{}, 1)
	sess.RegisterHandler(&stream.Handler{Name: "self", Match: stream.MustPath("message/body"),
		Func: func(*stream.Stream, *stream.Stanza) { got <- struct{}{} }})
	done := make(chan error, 1)
	go func() { done <- sess.Run(ctx) }()
	select {
	case err := <-done:
		t.Fatalf("the server ended the session: %v\n%s", err, srv.Log())
	case <-time.After(4 * time.Second):
	}
	// Still alive: a message to ourselves comes back.
	sess.SendRaw(ctx, []byte("<message to='"+sess.JID+"' type='chat'><body>still here</body></message>"))
	select {
	case <-got:
	case err := <-done:
		t.Fatalf("the server ended the session: %v", err)
	case <-ctx.Done():
		t.Fatal("no message back")
	}
	sess.Close()
	<-done
	if pings == 0 {
		t.Error("the server sent no ping: the check proves nothing")
	}
}

// Our whitespace keepalive is seen by ejabberd too. ejabberd accepts it
// without a trace (whitespace between stanzas goes to its c2s_handle_cdata
// hook, which no module uses, and its idle timeout is off once a session
// is established), so the proof is the server process's own socket: the
// bytes it has read from our connection grow while the session is
// otherwise silent, and stay put for a session without keepalive.
func TestKeepAliveSeenByEjabberd(t *testing.T) {
	srv := xmpptest.StartEjabberd(t)
	alice := srv.Users[0]
	// serverRead runs a silent session for 2 s and returns how many
	// bytes ejabberd read from it meanwhile.
	serverRead := func(keepAlive time.Duration) int64 {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		sess, err := Dial(ctx, Config{JID: alice.JID, Password: alice.Password, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile,
			Stream: stream.Config{KeepAlive: keepAlive}})
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Abort()
		go sess.Run(ctx)
		time.Sleep(200 * time.Millisecond)
		local := sess.Conn().LocalAddr()
		before := srv.ReceivedBytes(t, local)
		writes := sess.Stats().Writes.Load()
		time.Sleep(2 * time.Second)
		after := srv.ReceivedBytes(t, local)
		t.Logf("keepalive %v: ejabberd read %d bytes (%d writes of ours)", keepAlive, after-before, sess.Stats().Writes.Load()-writes)
		return after - before
	}
	if n := serverRead(300 * time.Millisecond); n == 0 {
		t.Error("ejabberd read nothing from a session keeping alive every 300 ms")
	}
	if n := serverRead(-1); n != 0 {
		t.Errorf("ejabberd read %d bytes from a silent session without keepalive: the check above proves nothing", n)
	}
}
