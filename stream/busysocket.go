package stream

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// BusySocket returns conn for a layer that reads it on a Stream's
// behalf, crypto/tls for one, so that it is read the way a Stream reads
// a socket of its own: once a read brings busyLayerRead bytes or more
// (the peer is ahead), the socket is read without waiting first and, on
// Linux, with its receive low-water mark raised, so that the runtime's
// poller is not woken for every packet that arrives while nobody waits
// for it; the mark is back at one byte before any wait. Wrap the socket
// before TLS:
//
//	tc := tls.Client(stream.BusySocket(tcpConn), config)
//
// A connection that is not a socket (no syscall.Conn) is returned as it
// is. Read must not be called from two goroutines at once (crypto/tls
// never does), and a read deadline takes effect at the next read that
// has to wait: one that finds input returns it.
func BusySocket(conn net.Conn) net.Conn {
	sc, ok := conn.(syscall.Conn)
	if !ok || !canTryWrite {
		return conn
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return conn
	}
	b := &busySocket{Conn: conn}
	b.sock.rc = rc
	return b
}

// busyLayerRead is the read size from which BusySocket takes its socket
// to be busy. A layer above reads less at a time than a Stream does
// (crypto/tls asks for about a record, at most some 16 KiB), so the
// bar is lower than busyRead.
const busyLayerRead = 4 << 10

// busySocket is BusySocket's connection.
type busySocket struct {
	net.Conn
	sock rawSocket
}

func (b *busySocket) Read(p []byte) (int, error) {
	var n int
	var err error
	if b.sock.busy {
		n, err = b.sock.readBusy(b.Conn, p)
	} else {
		n, err = b.Conn.Read(p)
	}
	if n >= busyLayerRead {
		b.sock.setBusy()
	}
	return n, err
}

// readBusy reads a busy socket (setBusy), conn's, without waiting
// first; only when it has nothing does conn's Read wait for it, once
// the low-water mark is back at one byte. Its errors are the ones
// conn's Read would have returned.
func (r *rawSocket) readBusy(conn net.Conn, p []byte) (int, error) {
	n, err := r.Read(p)
	switch {
	case err == nil || err == io.EOF:
		return n, err
	case err == errAgain:
		r.setWaiting()
		return conn.Read(p)
	case errors.Is(err, net.ErrClosed):
		return conn.Read(p) // the net package's own error for it
	}
	// An error the read took from the socket, which no longer has it:
	// returned as the net package would have.
	return 0, readError(conn, err)
}
