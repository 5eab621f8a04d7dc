package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppcore/xmppcore/client"
	"github.com/xmppcore/xmppcore/internal/faultproxy"
	"github.com/xmppcore/xmppcore/stream"
)

const soakUsage = `usage: xmppbench soak --addr HOST:PORT --jid J1 --password P1 --peer-jid J2 --peer-password P2
                      [--tls starttls|direct] [--ca FILE] [--sasl MECH] --stanzas N --cut-every D
                      [--rate R] [--json] [--timeout D]

J1 sends N numbered messages to J2 through a loopback proxy in this
process that cuts J1's TCP connection (a reset, no stream close) every
--cut-every. Both use XEP-0198 stream management: J1 resumes after each
cut and sends again what the server did not acknowledge. When all is
sent and J2 has everything (or nothing came for 10 s), it prints one line:
sent, delivered (distinct messages J2 got), lost, duplicated,
out_of_order, cuts, resumed, fresh_sessions (sessions after the first
that could not resume, or gave up on a server that stopped acknowledging
(--ack-timeout): their unacknowledged messages are sent again, and any
the server had already delivered count as duplicated).

Exits 0 only when nothing was lost or duplicated; 1 otherwise or on an
error; 2 on a bad command line.

Flags:
`

// soakResult is the soak's outcome, the --json output.
type soakResult struct {
	Sent          int     `json:"sent"`
	Delivered     int     `json:"delivered"`
	Lost          int     `json:"lost"`
	Duplicated    int     `json:"duplicated"`
	OutOfOrder    int     `json:"out_of_order"`
	Cuts          int     `json:"cuts"`
	Resumed       int     `json:"resumed"`
	FreshSessions int     `json:"fresh_sessions"`
	Seconds       float64 `json:"seconds"`
}

func runSoak(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, soakUsage)
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs, nil)
	peerJID := fs.String("peer-jid", "", "the receiving account")
	peerPassword := fs.String("peer-password", "", "the receiving account's password")
	n := fs.Int("stanzas", 1000, "messages to send")
	cutEvery := fs.Duration("cut-every", time.Second, "cut the sender's connection this often")
	rate := fs.Float64("rate", 0, "messages per second (0: as fast as acknowledgements allow)")
	ackTimeout := fs.Duration("ack-timeout", 5*time.Second, "abandon a session whose server acknowledges nothing for this long")
	asJSON := fs.Bool("json", false, "print a JSON object")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound on the whole run")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	sender, err := cf.config()
	if err == nil && (*cf.addr == "" || *peerJID == "" || *peerPassword == "") {
		err = errors.New("--addr, --peer-jid and --peer-password are required")
	}
	if err == nil && (*n <= 0 || *cutEvery <= 0 || *rate < 0) {
		err = errors.New("--stanzas and --cut-every must be positive, --rate not negative")
	}
	if err != nil || fs.NArg() != 0 {
		if err != nil {
			fmt.Fprintln(stderr, "xmppbench soak:", err)
		}
		fs.Usage()
		return exitUsage
	}
	receiver := sender
	receiver.JID, receiver.Password = *peerJID, *peerPassword
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res, err := soak(ctx, sender, receiver, *n, *cutEvery, *rate, *ackTimeout)
	if err != nil {
		fmt.Fprintln(stderr, "xmppbench soak:", err)
		return exitFail
	}
	if *asJSON {
		json.NewEncoder(stdout).Encode(res)
	} else {
		fmt.Fprintf(stdout, "sent %d, delivered %d, lost %d, duplicated %d, out of order %d; %d cuts, %d resumed, %d fresh sessions; %.1f s\n",
			res.Sent, res.Delivered, res.Lost, res.Duplicated, res.OutOfOrder, res.Cuts, res.Resumed, res.FreshSessions, res.Seconds)
	}
	if res.Lost != 0 || res.Duplicated != 0 {
		return exitFail
	}
	return exitOK
}

// soakTally is the receiver's count of what arrived.
type soakTally struct {
	mu         sync.Mutex
	seen       []bool
	delivered  int
	duplicated int
	outOfOrder int
	last       int
	progress   chan struct{}
}

func (t *soakTally) add(i int) {
	t.mu.Lock()
	switch {
	case i < 0 || i >= len(t.seen):
	case t.seen[i]:
		t.duplicated++
	default:
		t.seen[i] = true
		t.delivered++
		if i < t.last {
			t.outOfOrder++
		}
		t.last = i
	}
	t.mu.Unlock()
	select {
	case t.progress <- struct{}{}:
	default:
	}
}

// soak runs the sender through a cutting proxy and the receiver
// directly, and counts.
func soak(ctx context.Context, sender, receiver client.Config, n int, cutEvery time.Duration, rate float64, ackTimeout time.Duration) (soakResult, error) {
	res := soakResult{}
	start := time.Now()
	receiver.StreamManagement = &stream.SM{}
	recv, err := client.Dial(ctx, receiver)
	if err != nil {
		return res, fmt.Errorf("receiver: %w", err)
	}
	tally := &soakTally{seen: make([]bool, n), last: -1, progress: make(chan struct{}, 1)}
	senderBare, _, _ := strings.Cut(sender.JID, "/")
	recv.RegisterHandler(&stream.Handler{Name: "soak", Match: stream.MustPath("message/body"), Func: func(_ *stream.Stream, st *stream.Stanza) {
		from, _, _ := strings.Cut(string(st.Attr("from")), "/")
		if from != senderBare || !strings.HasPrefix(string(st.Attr("id")), "soak-") {
			return
		}
		if i, err := strconv.Atoi(string(st.Root().ChildLocal("body").AppendText(nil))); err == nil {
			tally.add(i)
		}
	}})
	recvDone := make(chan error, 1)
	go func() { recvDone <- recv.Run(context.Background()) }()
	defer func() { recv.Close(); <-recvDone }()

	addr := sender.Addr
	p, err := faultproxy.Start(faultproxy.Config{Target: addr})
	if err != nil {
		return res, err
	}
	defer p.Close()
	sender.Addr = p.Addr()
	sender.StreamManagement = &stream.SM{AckTimeout: ackTimeout}
	events := new(stream.Events)
	sender.Stream.Events = events
	var resumed, fresh atomic.Int32
	// The Outbox sends each message once, in order, across the cuts:
	// one a session refuses because it ended goes to the next, and
	// those a failed resumption hands back go again before anything
	// newer.
	out := client.NewOutbox(events, 0)
	sessions := 0
	rctx, stopSender := context.WithCancel(ctx)
	defer stopSender()
	sendCtx, cancelSend := context.WithCancel(ctx)
	defer cancelSend()
	reconnected := make(chan error, 1)
	go func() {
		defer cancelSend() // Reconnect gave up: nothing more will be sent
		reconnected <- client.Reconnect(rctx, sender, client.Backoff{Min: 10 * time.Millisecond, Max: 200 * time.Millisecond}, func(s *client.Session) {
			sessions++
			if s.Resumed {
				resumed.Add(1)
			} else if sessions > 1 {
				fresh.Add(1)
			}
			out.Use(s)
		})
	}()

	cuts := 0
	stopCuts := make(chan struct{})
	cutsDone := make(chan struct{})
	go func() {
		defer close(cutsDone)
		t := time.NewTicker(cutEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				cuts += p.CutAll()
			case <-stopCuts:
				return
			}
		}
	}()

	to := recv.JID
	var pace time.Duration
	if rate > 0 {
		pace = time.Duration(float64(time.Second) / rate)
	}
	for res.Sent < n {
		msg := fmt.Appendf(nil, "<message to='%s' type='chat' id='soak-%d'><body>%d</body></message>", to, res.Sent, res.Sent)
		if err := out.Send(sendCtx, msg); err != nil {
			break // Reconnect gave up, or ctx ended: reported below
		}
		res.Sent++
		if pace > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(res.Sent) * pace)))
		}
	}
	// All is sent: wait for it to arrive (the cuts go on, and a failed
	// resumption may hand messages back), until all is there or nothing
	// came for a while.
	lastProgress, lastDelivered := time.Now(), 0
	for sendCtx.Err() == nil {
		tally.mu.Lock()
		got := tally.delivered
		tally.mu.Unlock()
		if got >= n {
			break
		}
		if got != lastDelivered {
			lastProgress, lastDelivered = time.Now(), got
		} else if time.Since(lastProgress) > 10*time.Second {
			break
		}
		select {
		case <-tally.progress:
		case <-time.After(20 * time.Millisecond):
		case <-sendCtx.Done():
		}
	}
	out.Close() // what it still holds is counted as lost below
	close(stopCuts)
	<-cutsDone
	stopSender()
	if err := <-reconnected; err != nil {
		return res, err
	}
	time.Sleep(200 * time.Millisecond) // a late duplicate has time to show
	tally.mu.Lock()
	res.Delivered, res.Duplicated, res.OutOfOrder = tally.delivered, tally.duplicated, tally.outOfOrder
	tally.mu.Unlock()
	res.Lost = res.Sent - res.Delivered

	res.Cuts, res.Resumed, res.FreshSessions = cuts, int(resumed.Load()), int(fresh.Load())
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}
