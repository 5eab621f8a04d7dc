// Package xmpptest starts real XMPP servers for interop tests: Debian's
// Prosody and ejabberd, on loopback, each in a fresh temporary directory
// with a CA and certificate generated for the run, two accounts and a
// component port, and stops them when the test ends, leaving nothing
// behind.
//
// A server that is not installed skips the test with a message saying
// how to install it; under CI=true it fails the test instead (CI
// installs both, see .ci/run).
package xmpptest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Account is a user on a test server.
type Account struct {
	JID, Password string
}

// Server is a running test server.
type Server struct {
	Name   string // "prosody" or "ejabberd"
	Domain string // "localhost"
	Host   string // "127.0.0.1"
	// Ports: c2s with STARTTLS required, direct TLS (XEP-0368), and the
	// XEP-0114 component port.
	C2SPort, DirectTLSPort, ComponentPort int
	Component, ComponentSecret            string
	CAFile                                string // the CA the server's certificate chains to
	Users                                 [2]Account
	Dir                                   string // the run directory (logs)

	certs certFiles
	// ejabberd's Erlang node, for looking inside the running server.
	node, cookie string
	distPort     int
}

// ClientCert returns a client certificate for the account jid, signed
// by the server's CA, with the JID as its xmppAddr (for SASL EXTERNAL).
func (s *Server) ClientCert(t testing.TB, jid string) tls.Certificate {
	c, err := s.certs.clientCert(jid)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Addr returns host:port for a port of the server.
func (s *Server) Addr(port int) string { return net.JoinHostPort(s.Host, strconv.Itoa(port)) }

// Log returns the server's log, for failure messages.
func (s *Server) Log() string {
	var out []byte
	filepath.Walk(s.Dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".log") {
			b, _ := os.ReadFile(p)
			out = append(out, "== "+p+"\n"...)
			out = append(out, b...)
		}
		return nil
	})
	return string(out)
}

// require skips (or under CI=true fails) the test when a command is
// missing.
func require(t testing.TB, server, cmd string) string {
	p, err := exec.LookPath(cmd)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s is not installed (%s not found): apt-get install %s (.ci/run does)", server, cmd, server)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// freePorts returns n free loopback ports.
func freePorts(t testing.TB, n int) []int {
	var ls []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newServer prepares the common part: directory, certificates, ports,
// accounts.
func newServer(t testing.TB, name string) *Server {
	dir := t.TempDir()
	ports := freePorts(t, 4)
	s := &Server{
		Name: name, Domain: "localhost", Host: "127.0.0.1",
		C2SPort: ports[0], DirectTLSPort: ports[1], ComponentPort: ports[2],
		Component: "component.localhost", ComponentSecret: randomHex(8),
		Users: [2]Account{{"alice@localhost", "alice-secret-1"}, {"bob@localhost", "bob-secret-2"}},
		Dir:   dir,
	}
	certs, err := writeCerts(dir, s.Domain)
	if err != nil {
		t.Fatal(err)
	}
	s.CAFile, s.certs = certs.CA, certs
	return s
}

// waitPorts waits until every port accepts connections, or the process
// exits, or the timeout passes.
func (s *Server) waitPorts(exited <-chan struct{}, timeout time.Duration, ports ...int) error {
	deadline := time.Now().Add(timeout)
	for _, p := range ports {
		for {
			c, err := net.DialTimeout("tcp", s.Addr(p), time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-exited:
				return fmt.Errorf("%s exited while starting", s.Name)
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: port %d not open after %v", s.Name, p, timeout)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// start runs the server command in its own process group. It returns a
// channel closed when the process has exited, and the function that
// stops it (gracefully with stop, then by killing the group); that
// function also runs when the test ends.
func (s *Server) start(t testing.TB, cmd *exec.Cmd, stop func() error) (<-chan struct{}, func()) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(s.Dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	var once sync.Once
	shutdown := func() {
		once.Do(func() {
			if stop != nil {
				stop()
			}
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the whole group
				select {
				case <-exited:
				case <-time.After(10 * time.Second):
					t.Errorf("%s (pid %d) did not exit after SIGKILL", s.Name, cmd.Process.Pid)
				}
			}
			// Children (erl_child_setup, ...) go with the group.
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		})
	}
	t.Cleanup(shutdown)
	return exited, shutdown
}

// attempts is how many times a server start is tried: ports are picked
// free and then bound by the server, and another test process may take
// one in between.
const attempts = 3

// retry runs a server start up to attempts times.
func retry(t testing.TB, name string, try func() (*Server, error)) *Server {
	var err error
	for i := 0; i < attempts; i++ {
		var s *Server
		if s, err = try(); err == nil {
			return s
		}
		t.Logf("%s did not start (attempt %d of %d): %v", name, i+1, attempts, err)
	}
	t.Fatalf("%s did not start: %v", name, err)
	return nil
}

// Options change a test server's defaults.
type Options struct {
	// ReadTimeout (Prosody): after this long without data from a
	// client, the server sends it a single space (its keepalive). 0:
	// Prosody's default, 840 s.
	ReadTimeout time.Duration
	// PingInterval (ejabberd): after this long idle, the server sends
	// a client an XEP-0199 ping, and kills it if no answer comes within
	// the same time. 0: no pings.
	PingInterval time.Duration
	// Compression (ejabberd): offer XEP-0138 zlib on the c2s ports.
	Compression bool
	// ClientCerts (ejabberd): verify client certificates on the c2s
	// ports, which then offer SASL EXTERNAL (see Server.ClientCert).
	ClientCerts bool
}

// StartProsody starts Prosody with the facts of shared/interop/SERVERS.md.
func StartProsody(t testing.TB) *Server { return StartProsodyWith(t, Options{}) }

// StartEjabberd starts ejabberd with the facts of shared/interop/SERVERS.md.
func StartEjabberd(t testing.TB) *Server { return StartEjabberdWith(t, Options{}) }

// StartProsodyWith is StartProsody with options.
func StartProsodyWith(t testing.TB, o Options) *Server {
	prosody := require(t, "prosody", "prosody")
	prosodyctl := require(t, "prosody", "prosodyctl")
	return retry(t, "prosody", func() (*Server, error) { return startProsody(t, o, prosody, prosodyctl) })
}

func startProsody(t testing.TB, o Options, prosody, prosodyctl string) (*Server, error) {
	s := newServer(t, "prosody")
	d := s.Dir
	cfg := filepath.Join(d, "prosody.cfg.lua")
	conf := fmt.Sprintf(`run_as_root = true
pidfile = %[1]q
data_path = %[2]q
log = { { levels = { min = "info" }, to = "file", filename = %[3]q } }
interfaces = { "127.0.0.1" }
c2s_ports = { %[4]d }
c2s_direct_tls_ports = { %[5]d }
component_ports = { %[6]d }
component_interfaces = { "127.0.0.1" }
s2s_ports = { }
modules_disabled = { "s2s", "s2s_auth_certs" }
c2s_require_encryption = true
authentication = "internal_plain"
ssl = { certificate = %[7]q, key = %[8]q }
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "smacks", "carbons", "blocklist", "version", "uptime", "time", "private", "vcard_legacy" }
VirtualHost %[9]q
Component %[10]q
	component_secret = %[11]q
`, filepath.Join(d, "prosody.pid"), filepath.Join(d, "data"), filepath.Join(d, "prosody.log"),
		s.C2SPort, s.DirectTLSPort, s.ComponentPort,
		filepath.Join(d, "fullchain.pem"), filepath.Join(d, "server.key"),
		s.Domain, s.Component, s.ComponentSecret)
	if o.ReadTimeout > 0 {
		conf = fmt.Sprintf("network_settings = { read_timeout = %d }\n", int(o.ReadTimeout.Seconds())) + conf
	}
	if err := os.MkdirAll(filepath.Join(d, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, u := range s.Users {
		c := exec.Command(prosodyctl, "--config", cfg, "adduser", u.JID)
		c.Stdin = strings.NewReader(u.Password + "\n" + u.Password + "\n")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("prosodyctl adduser %s: %v\n%s", u.JID, err, out)
		}
	}
	cmd := exec.Command(prosody, "-F", "--config", cfg)
	exited, shutdown := s.start(t, cmd, func() error { return cmd.Process.Signal(syscall.SIGTERM) })
	if err := s.waitPorts(exited, 20*time.Second, s.C2SPort, s.DirectTLSPort, s.ComponentPort); err != nil {
		shutdown()
		return nil, fmt.Errorf("%v\n%s", err, s.Log())
	}
	return s, nil
}

// StartEjabberdWith is StartEjabberd with options.
func StartEjabberdWith(t testing.TB, o Options) *Server {
	ctl := require(t, "ejabberd", "ejabberdctl")
	if os.Geteuid() != 0 {
		msg := "Debian's ejabberdctl runs only as root or the ejabberd user"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return retry(t, "ejabberd", func() (*Server, error) { return startEjabberd(t, o, ctl) })
}

func startEjabberd(t testing.TB, o Options, ctl string) (*Server, error) {
	s := newServer(t, "ejabberd")
	d := s.Dir
	distPort := freePorts(t, 1)[0]
	for _, sub := range []string{"logs", "spool", "home"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	ping := "{}"
	if n := int(o.PingInterval.Seconds()); n > 0 {
		ping = fmt.Sprintf("{send_pings: true, ping_interval: %d, ping_ack_timeout: %d, timeout_action: kill}", n, n)
	}
	yml := fmt.Sprintf(`hosts: [%[1]q]
loglevel: info
certfiles: [%[2]q]
ca_file: %[3]q
auth_method: internal
auth_password_format: plain
disable_sasl_mechanisms: ["digest-md5", "x-oauth2"]
listen:
  - port: %[4]d
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls_required: true
    zlib: %[10]t
    tls_verify: %[11]t
    cafile: %[3]q
  - port: %[5]d
    ip: "127.0.0.1"
    module: ejabberd_c2s
    tls: true
    zlib: %[10]t
    tls_verify: %[11]t
    cafile: %[3]q
  - port: %[6]d
    ip: "127.0.0.1"
    module: ejabberd_service
    hosts:
      %[7]q:
        password: %[8]q
acl:
  local:
    user_regexp: ""
access_rules:
  local:
    allow: local
api_permissions:
  "console commands":
    from: [ejabberd_ctl]
    who: all
    what: "*"
modules:
  mod_disco: {}
  mod_ping: %[9]s
  mod_roster: {}
  mod_stream_mgmt: {}
  mod_carboncopy: {}
  mod_version: {}
  mod_caps: {}
  mod_offline: {}
`, s.Domain, filepath.Join(d, "server-bundle.pem"), s.CAFile, s.C2SPort, s.DirectTLSPort, s.ComponentPort, s.Component, s.ComponentSecret, ping, o.Compression, o.ClientCerts)
	s.node, s.cookie, s.distPort = "xmpptest"+randomHex(4)+"@localhost", randomHex(16), distPort
	ctlcfg := fmt.Sprintf("ERLANG_NODE=%s\nERL_DIST_PORT=%d\nERL_OPTIONS=\"-setcookie %s -kernel inet_dist_use_interface {127,0,0,1}\"\nEJABBERD_PID_PATH=%s\nEXEC_CMD=as_current_user\nHOME=%s\n",
		s.node, distPort, s.cookie, filepath.Join(d, "ejabberd.pid"), filepath.Join(d, "home"))
	files := map[string]string{"ejabberd.yml": yml, "ejabberdctl.cfg": ctlcfg}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"--config-dir", d, "--config", filepath.Join(d, "ejabberd.yml"), "--ctl-config", filepath.Join(d, "ejabberdctl.cfg"),
		"--logs", filepath.Join(d, "logs"), "--spool", filepath.Join(d, "spool")}
	ctlCmd := func(ctx context.Context, more ...string) *exec.Cmd {
		c := exec.CommandContext(ctx, ctl, append(append([]string{}, args...), more...)...)
		c.Env = append(os.Environ(), "HOME="+filepath.Join(d, "home"))
		return c
	}
	cmd := ctlCmd(context.Background(), "foreground")
	exited, shutdown := s.start(t, cmd, func() error {
		// SIGTERM to beam.smp (its pid file) shuts it down gracefully.
		b, err := os.ReadFile(filepath.Join(d, "ejabberd.pid"))
		if err != nil {
			return cmd.Process.Signal(syscall.SIGTERM)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return syscall.Kill(pid, syscall.SIGTERM)
	})
	if err := s.waitPorts(exited, 60*time.Second, s.C2SPort, s.DirectTLSPort, s.ComponentPort); err != nil {
		shutdown()
		return nil, fmt.Errorf("%v\n%s", err, s.Log())
	}
	// Accounts need the running node; each call boots a VM (~1 s).
	errs := make(chan error, len(s.Users))
	for _, u := range s.Users {
		go func(u Account) {
			local, domain, _ := strings.Cut(u.JID, "@")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := ctlCmd(ctx, "register", local, domain, u.Password).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("ejabberdctl register %s: %v\n%s", u.JID, err, out)
			}
			errs <- err
		}(u)
	}
	for range s.Users {
		if err := <-errs; err != nil {
			shutdown()
			return nil, fmt.Errorf("%v\n%s", err, s.Log())
		}
	}
	return s, nil
}

// Servers starts both servers (each test that uses them runs against
// each).
func Servers(t *testing.T) []*Server {
	return []*Server{StartProsody(t), StartEjabberd(t)}
}
