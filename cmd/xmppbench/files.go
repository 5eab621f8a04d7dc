package main

import (
	"fmt"
	"syscall"
)

// fileMargin is what the process opens besides its streams' sockets:
// listeners, pipes to the peer, files.
const fileMargin = 1024

// ensureOpenFiles makes sure the process may open n files: it raises
// its soft limit to n, and its hard limit too where it may (as root).
// The embedded peer, started afterwards, inherits the limit, and needs
// as many for its end of each stream. When the limit cannot be raised,
// the error says what to do, before any stream is opened: without it,
// the stream past the limit got its connection but no stream header,
// and failed only after its 30 s open timeout.
func ensureOpenFiles(n uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur >= n {
		return nil // unknown, or enough
	}
	want := syscall.Rlimit{Cur: n, Max: max(lim.Max, n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		return fmt.Errorf("%d streams need about %d open files, and this process may open %d (ulimit -n; the hard limit, ulimit -Hn, is %d, and raising it takes root with CAP_SYS_RESOURCE): use fewer --connections, or raise the limit (ulimit -Hn %d)",
			n-fileMargin, n, lim.Cur, lim.Max, n)
	}
	return nil
}
