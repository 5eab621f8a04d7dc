module github.com/xmppcore/xmppcore/bench

go 1.26

require (
	github.com/muktihari/xmltokenizer v0.0.5
	github.com/orisano/gosax v1.1.4
	github.com/xmppcore/xmppcore v0.0.0
)

replace github.com/xmppcore/xmppcore => ../
