module github.com/xmppcore/xmppcore

go 1.26

require (
	github.com/klauspost/compress v1.20.4
	github.com/miekg/dns v1.1.73
	github.com/valyala/bytebufferpool v1.0.0
)

require (
	golang.org/x/net v0.57.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
