package sasl

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
)

// Hash selects a SCRAM variant.
type Hash int

// The SCRAM hashes.
const (
	SHA1 Hash = iota
	SHA256
	SHA512
)

func (h Hash) name() string {
	switch h {
	case SHA256:
		return "SCRAM-SHA-256"
	case SHA512:
		return "SCRAM-SHA-512"
	}
	return "SCRAM-SHA-1"
}

func (h Hash) new() func() hash.Hash {
	switch h {
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return sha1.New
}

// Binding is the TLS channel a SCRAM exchange is bound to.
type Binding struct {
	// Type is "tls-exporter" (RFC 9266, TLS 1.3) or
	// "tls-server-end-point" (RFC 5929). Empty: the client could bind
	// but the server offers no -PLUS mechanism (the gs2 flag "y", which
	// lets a server that does support binding detect a downgrade).
	Type string
	Data []byte
}

// MinIterations and MaxIterations bound the iteration count a server
// may ask for: below the floor the stored keys are too cheap to attack
// (RFC 7677 §4 asks for at least 4096), above the cap each iteration
// costs the client an HMAC.
const (
	MinIterations = 4096
	MaxIterations = 1 << 20
)

// scram is the client side of RFC 5802.
type scram struct {
	h     Hash
	c     Credentials
	b     *Binding
	nonce string // ours; tests set it

	state       int // 0: Start next, 1: server-first next, 2: server-final next, 3: verified
	gs2         string
	clientFirst string // client-first-message-bare
	serverSig   []byte
}

// SCRAM returns SCRAM-SHA-1, -256 or -512. With b nil the client does
// not bind (flag "n": no TLS); with b.Type empty it could but the server
// offers no -PLUS (flag "y"); with b.Type set it is the -PLUS mechanism
// bound to b.Data. Usernames and passwords are used as given, without
// SASLprep.
func SCRAM(h Hash, c Credentials, b *Binding) Mechanism {
	return &scram{h: h, c: c, b: b}
}

// SCRAMWithNonce is SCRAM with a fixed client nonce, for tests and
// fuzzing only: a real exchange needs a fresh random nonce.
func SCRAMWithNonce(h Hash, c Credentials, b *Binding, nonce string) Mechanism {
	return &scram{h: h, c: c, b: b, nonce: nonce}
}

func (s *scram) Name() string {
	if s.b != nil && s.b.Type != "" {
		return s.h.name() + "-PLUS"
	}
	return s.h.name()
}

// saslName escapes '=' and ',' in a username (RFC 5802 §5.1).
func saslName(s string) string {
	if !strings.ContainsAny(s, "=,") {
		return s
	}
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

func (s *scram) Start() ([]byte, error) {
	if s.state != 0 {
		return nil, protocolError("SCRAM started twice")
	}
	if s.nonce == "" {
		var r [18]byte
		rand.Read(r[:])
		s.nonce = base64.RawStdEncoding.EncodeToString(r[:])
	}
	switch {
	case s.b == nil:
		s.gs2 = "n,"
	case s.b.Type == "":
		s.gs2 = "y,"
	default:
		s.gs2 = "p=" + s.b.Type + ","
	}
	if s.c.Authzid != "" {
		s.gs2 += "a=" + saslName(s.c.Authzid)
	}
	s.gs2 += ","
	s.clientFirst = "n=" + saslName(s.c.Username) + ",r=" + s.nonce
	s.state = 1
	return []byte(s.gs2 + s.clientFirst), nil
}

// attrs splits a SCRAM message into its k=v attributes.
func attrs(msg []byte) (map[byte]string, error) {
	m := make(map[byte]string, 4)
	for _, f := range bytes.Split(msg, []byte{','}) {
		if len(f) < 2 || f[1] != '=' {
			return nil, protocolError("attribute %q", f)
		}
		m[f[0]] = string(f[2:])
	}
	return m, nil
}

func (s *scram) Next(challenge []byte) ([]byte, error) {
	switch s.state {
	case 1:
		return s.final(challenge)
	case 2:
		// Some servers send server-final as a challenge, then an empty
		// success: verify it now and answer with nothing.
		if err := s.verify(challenge); err != nil {
			return nil, err
		}
		return []byte{}, nil
	}
	return nil, protocolError("unexpected challenge")
}

// final answers server-first with client-final.
func (s *scram) final(serverFirst []byte) ([]byte, error) {
	a, err := attrs(serverFirst)
	if err != nil {
		return nil, err
	}
	if _, ok := a['m']; ok {
		return nil, protocolError("mandatory extension not supported")
	}
	if e, ok := a['e']; ok {
		return nil, protocolError("server error %q", e)
	}
	nonce, salt64, iters := a['r'], a['s'], a['i']
	if !strings.HasPrefix(nonce, s.nonce) || len(nonce) == len(s.nonce) {
		return nil, protocolError("the server's nonce does not extend ours")
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil || len(salt) == 0 {
		return nil, protocolError("salt %q", salt64)
	}
	n, err := strconv.Atoi(iters)
	if err != nil || n < MinIterations || n > MaxIterations {
		return nil, protocolError("iteration count %q (from %d to %d)", iters, MinIterations, MaxIterations)
	}
	newHash := s.h.new()
	size := newHash().Size()
	salted, err := pbkdf2.Key(newHash, s.c.Password, salt, n, size)
	if err != nil {
		return nil, err
	}
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(newHash, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	h := newHash()
	h.Write(clientKey)
	storedKey := h.Sum(nil)

	cbind := []byte(s.gs2)
	if s.b != nil && s.b.Type != "" {
		cbind = append(cbind, s.b.Data...)
	}
	withoutProof := "c=" + base64.StdEncoding.EncodeToString(cbind) + ",r=" + nonce
	authMessage := s.clientFirst + "," + string(serverFirst) + "," + withoutProof
	proof := mac(storedKey, authMessage)
	subtle.XORBytes(proof, proof, clientKey)
	s.serverSig = mac(mac(salted, "Server Key"), authMessage)
	s.state = 2
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// verify checks server-final.
func (s *scram) verify(serverFinal []byte) error {
	a, err := attrs(serverFinal)
	if err != nil {
		return err
	}
	if e, ok := a['e']; ok {
		return protocolError("server error %q", e)
	}
	v, err := base64.StdEncoding.DecodeString(a['v'])
	if err != nil || !hmac.Equal(v, s.serverSig) {
		return ErrServerSignature
	}
	s.state = 3
	return nil
}

func (s *scram) Verify(success []byte) error {
	switch {
	case s.state == 3 && len(success) == 0:
		return nil // verified with the last challenge
	case s.state == 2:
		return s.verify(success)
	}
	return ErrServerSignature
}
