module github.com/xmppcore/xmppcore

go 1.26
