package xmpptest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ReceivedBytes returns how many bytes the server process has read from
// the TCP connection whose far end (the client's side) is client, as the
// server's own socket counts them (before TLS is removed): a way to see
// traffic a server accepts silently, such as a whitespace keepalive on
// ejabberd, which neither answers nor logs it. It asks the running
// ejabberd node over Erlang distribution (one short-lived erl VM per
// call, about a second); for Prosody it fails the test.
func (s *Server) ReceivedBytes(t testing.TB, client net.Addr) int64 {
	t.Helper()
	if s.node == "" {
		t.Fatalf("ReceivedBytes: not available for %s", s.Name)
	}
	ta, ok := client.(*net.TCPAddr)
	if !ok || ta.IP.To4() == nil {
		t.Fatalf("ReceivedBytes: want an IPv4 TCP address, got %v", client)
	}
	ip := ta.IP.To4()
	// The connection is the node's tcp_inet port with that peer.
	expr := fmt.Sprintf(`N = '%s',
Ps = [P || P <- rpc:call(N, erlang, ports, []), rpc:call(N, erlang, port_info, [P, name]) == {name, "tcp_inet"},
      rpc:call(N, inet, peername, [P]) == {ok, {{%d,%d,%d,%d}, %d}}],
case Ps of
  [P] -> {ok, [{recv_oct, B}]} = rpc:call(N, inet, getstat, [P, [recv_oct]]), io:format("~b~n", [B]);
  _ -> io:format("none ~p~n", [length(Ps)])
end,
halt().`, s.node, ip[0], ip[1], ip[2], ip[3], ta.Port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "erl", "-noshell", "-hidden", "-sname", "probe"+randomHex(4),
		"-setcookie", s.cookie, "-erl_epmd_port", strconv.Itoa(s.distPort), "-start_epmd", "false",
		"-dist_listen", "false", "-kernel", "inet_dist_use_interface", "{127,0,0,1}", "-eval", expr).CombinedOutput()
	if err != nil {
		t.Fatalf("ReceivedBytes: erl: %v\n%s", err, out)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("ReceivedBytes: no connection from %v on %s: %s", client, s.Name, out)
	}
	return n
}
