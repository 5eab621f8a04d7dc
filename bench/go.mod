module github.com/xmppcore/xmppcore/bench

go 1.26

require (
	github.com/muktihari/xmltokenizer v0.0.5
	github.com/orisano/gosax v1.1.4
	github.com/xmppcore/xmppcore v0.0.0
	gosrc.io/xmpp v0.5.1
)

require (
	github.com/google/uuid v1.1.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	golang.org/x/xerrors v0.0.0-20190717185122-a985d3407aa7 // indirect
	nhooyr.io/websocket v1.6.5 // indirect
)

replace github.com/xmppcore/xmppcore => ../
