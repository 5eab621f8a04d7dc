package fuzz

import (
	"github.com/xmppcore/xmppcore/internal/captures"
	"github.com/xmppcore/xmppcore/internal/corpus"
)

const hdr = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en'>`

// seeds are the inputs every target starts from: the kinds of stanza
// real servers send, the attacks of SECURITY-CASES.md, and the corner
// cases of the grammar. (testdata/fuzz holds what the fuzzers added.)
func seeds() [][]byte {
	in := []string{
		`<a/>`,
		`<?xml version="1.0" encoding="UTF-8"?><a b='c' d="e">f<g/>h<![CDATA[<i>]]></a>`,
		`<a xmlns='urn:a' xmlns:p='urn:p' p:x='1' x='2'><p:b xmlns=''><c/></p:b></a>`,
		`<a>&lt;&gt;&amp;&apos;&quot;&#65;&#x263A;&#x10FFFF;</a>`,
		"<a b='x\ty\r\nz'>\r\n</a>",
		"<a>\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80</a>",
		`<!DOCTYPE a [<!ENTITY x "&x;&x;">]><a>&x;</a>`,
		`<a><!-- c --><?pi x?></a>`,
		`<a b='1' b='2'/>`,
		`<a xmlns:p='u' xmlns:q='u' p:b='1' q:b='2'/>`,
		`<p:a/>`, `<a:b:c/>`, `<xmlns:a/>`, `<a xmlns:xml='urn:x'/>`,
		"<a>\xC0\xAF</a>", "<a>\xED\xA0\x80</a>", "<a>\xEF\xBF\xBE</a>", "<a>&#xD800;</a>",
		"\xFE\xFF\x00<", "\xEF\xBB\xBF<a/>",
		`<a>]]></a>`, `<a b='<'/>`, `<a></b>`, `<a>`,
		hdr + `<message from='romeo@montague.example/orchard' to='juliet@capulet.example' type='chat' id='1'><body>hi</body></message></stream:stream>`,
		hdr + `<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq> <presence/>`,
		hdr + `</stream:stream><x/>`,
		hdr + ` text <message/>`,
		`<stream:stream xmlns='jabber:foo' xmlns:stream='http://etherx.jabber.org/streams'>`,
	}
	var out [][]byte
	for _, s := range in {
		out = append(out, []byte(s))
	}
	out = append(out, corpus.Mixed(2<<10), corpus.Chat(1<<10))
	if files, err := captures.Files(); err == nil {
		for _, f := range files[:min(len(files), 8)] {
			conns, err := captures.Load(f)
			if err != nil || len(conns) == 0 || !conns[0].Complete() {
				continue
			}
			for _, s := range captures.Streams(conns[0].Server()) {
				if len(s) < 8<<10 {
					out = append(out, s)
				}
			}
		}
	}
	return out
}
