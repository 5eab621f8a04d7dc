// Package corpus generates deterministic, realistic XMPP streams for
// benchmarks and for `xmppbench parse`: the same seed gives the same
// bytes on every machine, so numbers from different runs and different
// parsers are comparable.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Header is the stream header every corpus starts with.
const Header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='capulet.example' id='7e1f1f0a-4d0c-4b6b-9d59-2b7c3b1b0c77' version='1.0' xml:lang='en'>`

// Footer closes the stream.
const Footer = `</stream:stream>`

var (
	users = []string{"romeo@montague.example", "juliet@capulet.example", "nurse@capulet.example",
		"benvolio@montague.example", "mercutio@verona.example", "tybalt@capulet.example"}
	resources = []string{"orchard", "balcony", "garden", "phone-4f2a", "laptop", "gajim.X7"}
	words     = strings.Fields(`what light through yonder window breaks it is the east and juliet is the sun
		arise fair kill envious moon who already sick pale with grief that thou her maid art far more fair than she
		o romeo wherefore art thou deny thy father refuse name or if wilt not be but sworn my love i'll no longer capulet`)
	unicode = []string{"Grüße aus München", "Привет, как дела?", "こんにちは世界", "¿Qué tal? ¡Hola!",
		"Ça va très bien", "Ελληνικά κείμενα", "😀 👍 🎉", "naïve café résumé", "北京欢迎你", "שלום עולם"}
	escaped = []string{"Tom &amp; Jerry", "1 &lt; 2 &amp;&amp; 3 &gt; 2", "it&apos;s &quot;quoted&quot;",
		"smile &#x263A; and &#9731;", "a&lt;b&gt;c"}
)

type gen struct {
	r  *rand.Rand
	sb strings.Builder
	id int
}

func newGen(seed uint64) *gen { return &gen{r: rand.New(rand.NewPCG(seed, 0x5eed))} }

func (g *gen) pick(s []string) string { return s[g.r.IntN(len(s))] }
func (g *gen) jid() string            { return g.pick(users) + "/" + g.pick(resources) }
func (g *gen) nextID() string         { g.id++; return fmt.Sprintf("%08x-%04x", g.r.Uint32(), g.id&0xffff) }

func (g *gen) sentence(minWords, maxWords int) string {
	n := minWords + g.r.IntN(maxWords-minWords+1)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.pick(words)
	}
	return strings.Join(parts, " ")
}

// chat writes one ~200-byte one-to-one chat message.
func (g *gen) chat() {
	fmt.Fprintf(&g.sb, `<message from='%s' to='%s' type='chat' id='%s' xml:lang='en'><body>%s</body></message>`,
		g.jid(), g.jid(), g.nextID(), g.sentence(5, 12))
}

// Chat returns a stream of about size bytes holding only one-to-one
// chat messages of about 200 bytes each.
func Chat(size int) []byte {
	g := newGen(1)
	g.sb.WriteString(Header)
	for g.sb.Len() < size-len(Footer) {
		g.chat()
	}
	g.sb.WriteString(Footer)
	return []byte(g.sb.String())
}

// Mixed returns a stream of about size bytes with the mix of a busy
// client connection: chat and groupchat messages with receipts and
// chat states, presence with entity capabilities, disco, roster and
// pubsub results, both quote styles, entities and character
// references, CDATA, non-ASCII text, and some pretty-printing.
func Mixed(size int) []byte {
	g := newGen(2)
	g.sb.WriteString(Header)
	for g.sb.Len() < size-len(Footer) {
		switch k := g.r.IntN(20); {
		case k < 6:
			g.chat()
		case k < 8:
			g.richMessage()
		case k < 11:
			g.presence()
		case k < 12:
			g.groupchat()
		case k < 14:
			g.disco()
		case k < 15:
			g.roster()
		case k < 17:
			g.pubsub()
		case k < 18:
			g.ping()
		default:
			g.sb.WriteString(" ") // whitespace keepalive
			g.chat()
		}
	}
	g.sb.WriteString(Footer)
	return []byte(g.sb.String())
}

func (g *gen) richMessage() {
	body := g.pick(unicode)
	if g.r.IntN(2) == 0 {
		body = g.pick(escaped) + " " + g.sentence(2, 6)
	}
	fmt.Fprintf(&g.sb, `<message xmlns="jabber:client" from="%s" to="%s" type="chat" id="%s">`+
		`<body>%s</body><active xmlns="http://jabber.org/protocol/chatstates"/>`+
		`<request xmlns="urn:xmpp:receipts"/><origin-id xmlns="urn:xmpp:sid:0" id="%s"/>`+
		`<stanza-id xmlns="urn:xmpp:sid:0" id="%s" by="%s"/></message>`,
		g.jid(), g.jid(), g.nextID(), body, g.nextID(), g.nextID(), g.pick(users))
}

func (g *gen) groupchat() {
	fmt.Fprintf(&g.sb, "<message from='coven@chat.shakespeare.example/%s' to='%s' type='groupchat' id='%s'>\n"+
		"  <body>%s</body>\n"+
		"  <delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.example' stamp='2026-11-25T04:%02d:%02dZ'/>\n"+
		"</message>", g.pick([]string{"firstwitch", "secondwitch", "thirdwitch"}), g.jid(), g.nextID(),
		g.sentence(3, 15), g.r.IntN(60), g.r.IntN(60))
}

func (g *gen) presence() {
	fmt.Fprintf(&g.sb, `<presence from='%s' to='%s'><show>%s</show><status>%s</status><priority>%d</priority>`+
		`<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://gajim.org' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>`+
		`</presence>`, g.jid(), g.jid(), g.pick([]string{"away", "chat", "dnd", "xa"}), g.pick(unicode), g.r.IntN(128))
}

func (g *gen) disco() {
	fmt.Fprintf(&g.sb, `<iq type='result' from='%s' to='%s' id='%s'><query xmlns='http://jabber.org/protocol/disco#info'>`+
		`<identity category='client' type='pc' name='Gajim'/>`, g.jid(), g.jid(), g.nextID())
	for _, f := range []string{"http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
		"http://jabber.org/protocol/muc", "urn:xmpp:jingle:1", "urn:xmpp:ping", "urn:xmpp:receipts",
		"http://jabber.org/protocol/chatstates", "urn:xmpp:avatar:metadata+notify"} {
		fmt.Fprintf(&g.sb, `<feature var='%s'/>`, f)
	}
	g.sb.WriteString(`</query></iq>`)
}

func (g *gen) roster() {
	fmt.Fprintf(&g.sb, "<iq type=\"result\" to=\"%s\" id=\"%s\">\n<query xmlns=\"jabber:iq:roster\" ver=\"ver%d\">\n",
		g.jid(), g.nextID(), g.r.IntN(1000))
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&g.sb, "  <item jid=\"%s\" name=\"%s\" subscription=\"both\"><group>%s</group></item>\n",
			g.pick(users), g.pick(unicode), g.pick([]string{"Friends", "Family", "Montague &amp; Co", "Verona"}))
	}
	g.sb.WriteString("</query>\n</iq>")
}

func (g *gen) pubsub() {
	fmt.Fprintf(&g.sb, `<message from='%s' to='%s'><event xmlns='http://jabber.org/protocol/pubsub#event'>`+
		`<items node='http://jabber.org/protocol/tune'><item id='%s'><tune xmlns='http://jabber.org/protocol/tune'>`+
		`<artist>Yes</artist><length>686</length><rating>8</rating><source>Yessongs</source>`+
		`<title><![CDATA[Heart of the <Sunrise> & more]]></title><track>3</track>`+
		`<uri>http://www.yesworld.com/lyrics/Fragile.html#9</uri></tune></item></items></event></message>`,
		g.pick(users), g.jid(), g.nextID())
}

func (g *gen) ping() {
	fmt.Fprintf(&g.sb, `<iq from='capulet.example' to='%s' id='%s' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`,
		g.jid(), g.nextID())
}
