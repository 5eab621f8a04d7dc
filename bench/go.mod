module github.com/xmppcore/xmppcore/bench

go 1.26

require (
	github.com/muktihari/xmltokenizer v0.0.5
	github.com/orisano/gosax v1.1.4
	github.com/xmppcore/xmppcore v0.0.0
)

require github.com/valyala/bytebufferpool v1.0.0 // indirect

replace github.com/xmppcore/xmppcore => ../
