package stream

import (
	"fmt"
	"testing"
)

// Acknowledgements in the middle of a run of stanzas, then a cut and a
// resumption that acknowledges more than was acked before it: exactly
// the rest is resent, in order.
func TestSMResumeAfterPartialAcks(t *testing.T) {
	m := enabledSM(t, &SM{})
	s1, p1, done1 := runStream(t, Config{SM: m}, nil)
	sendMessages(t, s1, 0, 300)
	seen := 0
	for seen < 300 {
		got := <-p1.got
		if got == smR {
			continue
		}
		if got != fmt.Sprintf("<message id='m%d'/>", seen) {
			t.Fatalf("got %s", got)
		}
		seen++
		if seen == 100 || seen == 177 {
			p1.write(smA(uint32(seen)))
		}
	}
	waitAcked(t, m, 177)
	p1.conn.Close()
	waitRun(t, done1)
	ok, err := m.HandleResumed(smElement(t, `<resumed xmlns='urn:xmpp:sm:3' h='200' previd='sm-1'/>`), nil)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	_, p2, _ := runStream(t, Config{SM: m}, nil)
	for i := 200; i < 300; i++ {
		p2.expect(fmt.Sprintf("<message id='m%d'/>", i))
	}
}
