package transport

import (
	"net"
	"os"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		addr, scheme, hostport, err string
	}{
		{"tcp://127.0.0.1:8786", "tcp", "127.0.0.1:8786", ""},
		{"tls://[::1]:0", "tls", "[::1]:0", ""},
		{"tcp://:0", "tcp", ":0", ""},
		{"node1:8786", "tcp", "node1:8786", ""},
		{"inproc://w1", "inproc", "w1", ""},
		{"inproc://", "inproc", "", ""},
		{"unix:///run/gask/s.sock", "unix", "/run/gask/s.sock", ""},
		{"unix://@gask", "unix", "@gask", ""},
		{"unix://", "", "", `transport: missing socket path in "unix://"`},
		{"udp://x", "", "", `transport: unknown scheme "udp" in "udp://x"`},
		{"TCP://x:1", "", "", `unknown scheme "TCP"`},
		{"tcp://host", "", "", `transport: missing port in "tcp://host"`},
		{"tls://host:", "", "", `missing port`},
		{"host", "", "", `missing port`},
		{"tcp://host:http", "", "", `bad port "http"`},
		{"tcp://host:70000", "", "", `bad port`},
		{"tcp://host:1/x", "", "", `bad port`},
		{"tcp://::1:80", "", "", `bad address`},
	} {
		scheme, hostport, err := Parse(tc.addr)
		switch {
		case tc.err == "" && (err != nil || scheme != tc.scheme || hostport != tc.hostport):
			t.Errorf("Parse(%q) = %q, %q, %v, want %q, %q, nil", tc.addr, scheme, hostport, err, tc.scheme, tc.hostport)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Parse(%q) error = %v, want one containing %q", tc.addr, err, tc.err)
		}
	}
}

func TestAddressUnspecifiedHost(t *testing.T) {
	ln := listen(t, "tcp://:0", Config{})
	addr := Address(ln)
	_, hostport, err := Parse(addr)
	if err != nil {
		t.Fatalf("Parse(Address(ln)) error: %v", err)
	}
	if _, port, _ := net.SplitHostPort(hostport); port == "0" || port == "" {
		t.Errorf("Address(ln) = %q, want the picked port", addr)
	}
}

func TestAdvertise(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	for in, want := range map[string]string{
		"tcp://[::]:8786":              "tcp://" + net.JoinHostPort(host, "8786"),
		"tls://0.0.0.0:9000":           "tls://" + net.JoinHostPort(host, "9000"),
		"tcp://:7000":                  "tcp://" + net.JoinHostPort(host, "7000"),
		"tcp://127.0.0.1:8786":         "tcp://127.0.0.1:8786",
		"tcp://node12:8786":            "tcp://node12:8786",
		"unix:///tmp/x/scheduler.sock": "unix:///tmp/x/scheduler.sock",
		"inproc://scheduler":           "inproc://scheduler",
		"nonsense://x":                 "nonsense://x",
	} {
		if got := Advertise(in); got != want {
			t.Errorf("Advertise(%q) = %q, want %q", in, got, want)
		}
	}
	// A real listener on every interface is advertised with a port.
	ln := listen(t, "tcp://:0", Config{})
	if got := Advertise(Address(ln)); !strings.HasPrefix(got, "tcp://"+host+":") {
		t.Errorf("Advertise(%q) = %q, want this host's name", Address(ln), got)
	}
}

func TestOnInterface(t *testing.T) {
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skip(err)
	}
	var lo string
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			lo = i.Name
		}
	}
	if lo == "" {
		t.Skip("no loopback interface")
	}
	got, err := OnInterface("tcp://:0", lo)
	if err != nil || got != "tcp://127.0.0.1:0" {
		t.Errorf("OnInterface(tcp://:0, %s) = %q, %v; want tcp://127.0.0.1:0", lo, got, err)
	}
	if got, err := OnInterface("tls://0.0.0.0:8786", lo); err != nil || got != "tls://127.0.0.1:8786" {
		t.Errorf("OnInterface(tls://0.0.0.0:8786, %s) = %q, %v", lo, got, err)
	}
	for _, bad := range [][2]string{{"tcp://:0", "no-such-interface0"}, {"unix:///tmp/s", lo}, {"nonsense://x", lo}} {
		if got, err := OnInterface(bad[0], bad[1]); err == nil {
			t.Errorf("OnInterface(%q, %q) = %q, want an error", bad[0], bad[1], got)
		}
	}
}
