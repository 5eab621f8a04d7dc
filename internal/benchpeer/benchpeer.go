// Package benchpeer is the server side of the component benchmarks: a
// minimal XEP-0114 server that accepts one component, checks its
// handshake, then sends it chat messages as fast as the component
// takes them and counts its replies. It runs in a process of its own,
// so that the component's CPU time can be measured apart from it.
package benchpeer

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/xmppcore/xmppcore/fastxml"
)

// Config describes one run. The zero value is completed with the
// defaults below.
type Config struct {
	Domain, Secret string // the component's domain and shared secret
	StreamID       string // the id of our stream header
	Stanzas        int    // messages to send
	Window         int    // most messages unanswered at once (echo); default 1000
	PerWrite       int    // messages per write; default 32
	Sink           bool   // only a final marker is answered
	Message        []byte // the message to send; default Chat
}

// Chat is the default message: a 200-byte chat message.
var Chat = []byte(`<message from='juliet@capulet.example/balcony' to='bot@echo.bench.example' type='chat' id='b58675a2-0001'><body>fair o capulet what it art the my yonder window breaks</body></message>`)

// endMarker is sent last in sink mode; the component answers it.
var endMarker = []byte(`<message from='juliet@capulet.example/balcony' to='bot@echo.bench.example' type='chat' id='end'><body>end</body></message>`)

// DefaultStreamID is the id of our stream header unless Config says.
const DefaultStreamID = "bench-stream-1"

// EndID is the id of the message a sink component answers.
const EndID = "end"

// Result is what a run measured.
type Result struct {
	Elapsed time.Duration // from the first message sent to the last reply read
	Replies int
}

func (c *Config) defaults() {
	if c.StreamID == "" {
		c.StreamID = DefaultStreamID
	}
	if c.Window <= 0 {
		c.Window = 1000
	}
	if c.PerWrite <= 0 {
		c.PerWrite = 32
	}
	if c.Message == nil {
		c.Message = Chat
	}
}

// Serve accepts one component on ln and runs cfg against it.
func Serve(ln net.Listener, cfg Config) (Result, error) {
	cfg.defaults()
	conn, err := ln.Accept()
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()
	s := fastxml.NewScanner(conn, fastxml.Options{Stream: true, BufferSize: 64 << 10})
	if _, err := s.Next(); err != nil { // the component's header
		return Result{}, fmt.Errorf("header: %w", err)
	}
	conn.Write([]byte(`<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='` + cfg.StreamID + `' from='` + cfg.Domain + `'>`))
	var e fastxml.Element
	if k, err := s.NextElement(&e); err != nil || k != fastxml.WholeElement {
		return Result{}, fmt.Errorf("handshake: %v %v", k, err)
	}
	sum := sha1.Sum([]byte(cfg.StreamID + cfg.Secret))
	if string(e.Root().AppendText(nil)) != hex.EncodeToString(sum[:]) {
		conn.Write([]byte(`<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`))
		return Result{}, errors.New("benchpeer: wrong handshake")
	}
	conn.Write([]byte(`<handshake/>`))

	tokens := make(chan struct{}, cfg.Window)
	for i := 0; i < cfg.Window; i++ {
		tokens <- struct{}{}
	}
	writeErr := make(chan error, 1)
	start := time.Now()
	go func() {
		batch := bytes.Repeat(cfg.Message, cfg.PerWrite)
		for sent := 0; sent < cfg.Stanzas; {
			k := min(cfg.PerWrite, cfg.Stanzas-sent)
			if !cfg.Sink {
				for i := 0; i < k; i++ {
					<-tokens
				}
			}
			if _, err := conn.Write(batch[:k*len(cfg.Message)]); err != nil {
				writeErr <- err
				return
			}
			sent += k
		}
		if cfg.Sink {
			conn.Write(endMarker)
		}
		writeErr <- nil
	}()
	want := cfg.Stanzas
	if cfg.Sink {
		want = 1
	}
	var res Result
	for res.Replies < want {
		k, err := s.NextElement(&e)
		if err != nil {
			return res, fmt.Errorf("after %d replies: %w", res.Replies, err)
		}
		if k == fastxml.WholeElement {
			res.Replies++
			if !cfg.Sink {
				select {
				case tokens <- struct{}{}:
				default:
				}
			}
		}
	}
	res.Elapsed = time.Since(start)
	if err := <-writeErr; err != nil {
		return res, err
	}
	conn.Write([]byte(`</stream:stream>`))
	return res, nil
}
