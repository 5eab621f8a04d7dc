package sasl

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// exchange runs a client through server messages and checks each
// client message.
type step struct {
	server string // challenge (or, last, the success data)
	want   string // the client's answer ("" for the success step)
}

func run(t *testing.T, m Mechanism, first string, steps []step) error {
	t.Helper()
	got, err := m.Start()
	if err != nil {
		return err
	}
	if string(got) != first {
		t.Fatalf("initial response %q, want %q", got, first)
	}
	for i, st := range steps {
		if i == len(steps)-1 {
			return m.Verify([]byte(st.server))
		}
		got, err := m.Next([]byte(st.server))
		if err != nil {
			return err
		}
		if string(got) != st.want {
			t.Fatalf("response %d: %q, want %q", i, got, st.want)
		}
	}
	return nil
}

func TestPlain(t *testing.T) {
	m := Plain(Credentials{Username: "alice", Password: "s3cr3t", Authzid: "admin"})
	if err := run(t, m, "admin\x00alice\x00s3cr3t", []step{{server: ""}}); err != nil {
		t.Fatal(err)
	}
	if m.Name() != "PLAIN" {
		t.Error(m.Name())
	}
}

// The examples of RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3
// (SCRAM-SHA-256): user "user", password "pencil".
func TestSCRAMRFCExamples(t *testing.T) {
	for _, c := range []struct {
		h                                      Hash
		nonce, serverFirst, final, serverFinal string
	}{
		{SHA1, "fyko+d2lbbFgONRv9qkxdawL",
			"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
			"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
			"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
		{SHA256, "rOprNGfwEbeRWgbNEkqO",
			"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
			"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
			"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
	} {
		m := &scram{h: c.h, c: Credentials{Username: "user", Password: "pencil"}, nonce: c.nonce}
		err := run(t, m, "n,,n=user,r="+c.nonce, []step{{c.serverFirst, c.final}, {server: c.serverFinal}})
		if err != nil {
			t.Errorf("%s: %v", m.Name(), err)
		}
		// The same exchange with a forged server signature fails.
		m = &scram{h: c.h, c: Credentials{Username: "user", Password: "pencil"}, nonce: c.nonce}
		forged := "v=" + base64.StdEncoding.EncodeToString(make([]byte, len(c.serverFinal)*3/4-2))
		if err := run(t, m, "n,,n=user,r="+c.nonce, []step{{c.serverFirst, c.final}, {server: forged}}); !errors.Is(err, ErrServerSignature) {
			t.Errorf("%s with a forged signature: %v", m.Name(), err)
		}
	}
}

// A real SCRAM-SHA-1 exchange with Prosody 0.12, from
// ../shared/interop/captures/prosody-starttls-SCRAM-SHA-1.txt (slixmpp
// as the client, flag "y", password alice-secret-1): replayed with the
// same nonce, the client sends the same proof and accepts the server's
// signature.
func TestSCRAMProsodyCapture(t *testing.T) {
	dec := func(s string) string {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first := dec("eSwsbj1hbGljZSxyPTk4NDk3MTAxODI2NDU4NDg=")
	challenge := dec("cj05ODQ5NzEwMTgyNjQ1ODQ4Zjg3Mjg4ZDgtOGM2Ni00YmZlLTkwZDItMWEzMjE2M2RlYjZkLHM9WlRGaFpXVTVNREl0T0dWbU5pMDBORFUzTFdGbU5HTXROakkwTWpBNE9EWXpNakExLGk9MTAwMDA=")
	response := dec("Yz1lU3dzLHI9OTg0OTcxMDE4MjY0NTg0OGY4NzI4OGQ4LThjNjYtNGJmZS05MGQyLTFhMzIxNjNkZWI2ZCxwPW1XbFBZNEtLMUVERWxzblZnOTEvVHdoaE13cz0=")
	success := dec("dj1WZ2wxbXZHbTJTYS9Wd3dPZlFwNWJsRlFOUHM9")
	nonce := strings.TrimPrefix(first, "y,,n=alice,r=")
	m := &scram{h: SHA1, c: Credentials{Username: "alice", Password: "alice-secret-1"}, b: &Binding{}, nonce: nonce}
	if err := run(t, m, first, []step{{challenge, response}, {server: success}}); err != nil {
		t.Fatal(err)
	}
	// The wrong password gives another proof, and the server's
	// signature then does not verify.
	m = &scram{h: SHA1, c: Credentials{Username: "alice", Password: "wrong"}, b: &Binding{}, nonce: nonce}
	m.Start()
	if _, err := m.Next([]byte(challenge)); err != nil {
		t.Fatal(err)
	}
	if err := m.Verify([]byte(success)); !errors.Is(err, ErrServerSignature) {
		t.Fatalf("wrong password: %v", err)
	}
}

// Channel binding goes into the gs2 header and c=; names escape.
func TestSCRAMPlusAndEscaping(t *testing.T) {
	b := &Binding{Type: "tls-exporter", Data: []byte{1, 2, 3}}
	m := &scram{h: SHA256, c: Credentials{Username: "a=b,c", Password: "p", Authzid: "x"}, b: b, nonce: "abc"}
	if m.Name() != "SCRAM-SHA-256-PLUS" {
		t.Errorf("name %s", m.Name())
	}
	first, _ := m.Start()
	if string(first) != "p=tls-exporter,a=x,n=a=3Db=2Cc,r=abc" {
		t.Fatalf("client-first %q", first)
	}
	final, err := m.Next([]byte("r=abcdef,s=c2FsdA==,i=4096"))
	if err != nil {
		t.Fatal(err)
	}
	want := "c=" + base64.StdEncoding.EncodeToString(append([]byte("p=tls-exporter,a=x,"), 1, 2, 3)) + ",r=abcdef,p="
	if !strings.HasPrefix(string(final), want) {
		t.Fatalf("client-final %q, want prefix %q", final, want)
	}
}

// Hostile or broken server messages are refused with ErrProtocol.
func TestSecurityCase20SCRAMRefusesBadServerFirst(t *testing.T) {
	for _, sf := range []string{
		"r=xyz,s=c2FsdA==,i=4096",        // nonce not ours
		"r=abc,s=c2FsdA==,i=4096",        // nonce not extended
		"r=abcd,s=!!!,i=4096",            // salt not base64
		"r=abcd,s=c2FsdA==,i=0",          // no iterations
		"r=abcd,s=c2FsdA==,i=4095",       // below the floor
		"r=abcd,s=c2FsdA==,i=999999999",  // too many
		"m=ext,r=abcd,s=c2FsdA==,i=4096", // mandatory extension
		"garbage",
		"e=other-error",
	} {
		m := &scram{h: SHA1, c: Credentials{Username: "u", Password: "p"}, nonce: "abc"}
		m.Start()
		if _, err := m.Next([]byte(sf)); !errors.Is(err, ErrProtocol) {
			t.Errorf("%q: %v", sf, err)
		}
	}
}

func TestExternal(t *testing.T) {
	if err := run(t, External(""), "", []step{{server: ""}}); err != nil {
		t.Fatal(err)
	}
	if err := run(t, External("admin@example.com"), "admin@example.com", []step{{server: ""}}); err != nil {
		t.Fatal(err)
	}
	if _, err := External("").Next([]byte("x")); !errors.Is(err, ErrProtocol) {
		t.Errorf("a challenge to EXTERNAL: %v", err)
	}
}
