package main

import (
	"strings"
	"syscall"
	"testing"
)

// ensureOpenFiles leaves a limit that suffices alone, and asks for more
// than the hard limit either by raising it (where the process may) or
// with an error that says what to do.
func TestEnsureOpenFiles(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip("no RLIMIT_NOFILE here:", err)
	}
	if err := ensureOpenFiles(lim.Cur); err != nil {
		t.Errorf("the current limit was not enough: %v", err)
	}
	if lim.Max > 1<<24 {
		t.Skipf("hard limit %d: nothing above it to ask for", lim.Max)
	}
	n := lim.Max + 1
	err := ensureOpenFiles(n)
	var now syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now)
	switch {
	case err == nil && now.Cur < n:
		t.Errorf("no error, but the limit is %d, under %d", now.Cur, n)
	case err != nil && (!strings.Contains(err.Error(), "ulimit -Hn") || !strings.Contains(err.Error(), "fewer --connections")):
		t.Errorf("the error does not say what to do: %v", err)
	case err != nil && now != lim:
		t.Errorf("a refused raise changed the limit from %+v to %+v", lim, now)
	}
	t.Logf("limit %+v, asked %d: %v", lim, n, err)
}
