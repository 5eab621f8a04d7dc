package fuzz

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/xmppcore/xmppcore/sasl"
)

// FuzzSCRAM feeds a SCRAM client arbitrary server messages: it never
// panics; it answers server-first only when the server's nonce extends
// its own, with a client-final that carries the channel binding header
// and a proof; and it accepts a server-final only when the signature is
// the one it computed (a fuzzer cannot forge it: at most it finds the
// error paths).
func FuzzSCRAM(f *testing.F) {
	f.Add("r=NONCEserver,s=c2FsdA==,i=4096", "v=AAAA")
	f.Add("r=NONCE,s=c2FsdA==,i=4096", "e=invalid-proof")
	f.Add("r=NONCEx,s=,i=4096", "")
	f.Add("m=x,r=NONCEx,s=c2FsdA==,i=4096", "v=")
	f.Add("r=NONCEx,s=c2FsdA==,i=99999999999999999999", "v=x")
	f.Add(",,,", "v=====")
	f.Fuzz(func(t *testing.T, serverFirst, serverFinal string) {
		for _, h := range []sasl.Hash{sasl.SHA1, sasl.SHA256} {
			m := sasl.SCRAMWithNonce(h, sasl.Credentials{Username: "u", Password: "p"}, nil, "NONCE")
			if _, err := m.Start(); err != nil {
				t.Fatal(err)
			}
			final, err := m.Next([]byte(serverFirst))
			if err != nil {
				if m.Verify([]byte(serverFinal)) == nil {
					t.Fatalf("verified after a refused server-first %q", serverFirst)
				}
				continue
			}
			if !strings.HasPrefix(serverFirst, "r=NONCE") && !strings.Contains(serverFirst, ",r=NONCE") {
				t.Fatalf("answered a server-first whose nonce is not ours: %q", serverFirst)
			}
			if !strings.HasPrefix(string(final), "c="+base64.StdEncoding.EncodeToString([]byte("n,,"))+",r=NONCE") || !strings.Contains(string(final), ",p=") {
				t.Fatalf("client-final %q", final)
			}
			if err := m.Verify([]byte(serverFinal)); err == nil {
				t.Fatalf("a forged server-final %q verified", serverFinal)
			}
		}
	})
}
