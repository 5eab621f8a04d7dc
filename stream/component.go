package stream

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"

	"github.com/xmppcore/xmppcore/fastxml"
)

// ErrHandshakeRefused is returned when the server answers an XEP-0114
// handshake with something other than an empty <handshake/>.
var ErrHandshakeRefused = errors.New("stream: XEP-0114 handshake refused")

// ComponentHandshake appends the XEP-0114 handshake for a stream id and
// secret: <handshake>hex(SHA-1(id + secret))</handshake>.
func ComponentHandshake(dst []byte, streamID, secret string) []byte {
	h := sha1.New()
	h.Write([]byte(streamID))
	h.Write([]byte(secret))
	var sum [sha1.Size]byte
	dst = append(dst, "<handshake>"...)
	dst = hex.AppendEncode(dst, h.Sum(sum[:0]))
	return append(dst, "</handshake>"...)
}

// componentHandshake sends our handshake and waits for the server's
// answer. A stream error (not-authorized, host-unknown) comes back as a
// *RemoteError.
func (s *Stream) componentHandshake(ctx context.Context, e *fastxml.Element) error {
	if err := s.out.putProto(ComponentHandshake(nil, s.peer.Load().ID, s.cfg.ComponentSecret)); err != nil {
		return err
	}
	if err := s.r.Next(e); err != nil {
		return err
	}
	root := e.Root()
	switch {
	case root.Is(NSStreams, "error"):
		return RemoteErrorOf(e)
	case root.Is(NSComponent, "handshake") && !root.FirstChild().Valid():
		return nil
	}
	return ErrHandshakeRefused
}
