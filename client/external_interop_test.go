package client

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/xmppcore/xmppcore/internal/xmpptest"
)

// SASL EXTERNAL against ejabberd verifying client certificates: the
// certificate's xmppAddr is the account.
func TestExternalEjabberd(t *testing.T) {
	srv := xmpptest.StartEjabberdWith(t, xmpptest.Options{ClientCerts: true})
	alice := srv.Users[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := Dial(ctx, Config{JID: alice.JID, Addr: srv.Addr(srv.C2SPort), CAFile: srv.CAFile,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{srv.ClientCert(t, alice.JID)}}})
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.Log())
	}
	if sess.Mechanism != "EXTERNAL" {
		t.Errorf("mechanism %s", sess.Mechanism)
	}
	roundTrip(t, ctx, sess)
}
