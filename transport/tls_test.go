package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newCredentials(t *testing.T, hosts ...string) *Credentials {
	t.Helper()
	c, err := NewCredentials(hosts...)
	if err != nil {
		t.Fatalf("NewCredentials() error: %v", err)
	}
	return c
}

func TestCredentialsCertificate(t *testing.T) {
	c := newCredentials(t, "node7.cluster", "10.1.2.3")
	leaf, err := x509.ParseCertificate(c.cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.CA)
	for _, host := range []string{"127.0.0.1", "::1", "localhost", "node7.cluster", "10.1.2.3"} {
		for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
			opts := x509.VerifyOptions{DNSName: host, Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}}
			if _, err := leaf.Verify(opts); err != nil {
				t.Errorf("leaf.Verify(%s, usage %v) error: %v", host, usage, err)
			}
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "elsewhere", Roots: roots}); err == nil {
		t.Errorf("leaf.Verify(elsewhere) error = nil, want one")
	}
}

// handshake dials ln with client and reports the errors of both sides. A
// TLS 1.3 client finishes its handshake before the server has checked the
// client's certificate, so a client error may only show on its first read.
func handshake(t *testing.T, ln net.Listener, client *tls.Config) (clientErr, serverErr error) {
	t.Helper()
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		err = c.(*tls.Conn).Handshake()
		if err == nil {
			_, err = c.Write([]byte("ok"))
		}
		served <- err
	}()
	c, err := Dial(context.Background(), Address(ln), Config{TLS: client})
	if err == nil {
		_, err = c.Read(make([]byte, 2))
		c.Close()
	}
	return err, <-served
}

func TestTLSRejects(t *testing.T) {
	cluster, stranger := newCredentials(t), newCredentials(t)
	ln := listen(t, "tls://127.0.0.1:0", Config{TLS: cluster.ServerConfig()})

	if cerr, serr := handshake(t, ln, cluster.ClientConfig()); cerr != nil || serr != nil {
		t.Fatalf("member's handshake errors = %v, %v, want nil, nil", cerr, serr)
	}

	noCert := cluster.ClientConfig()
	noCert.Certificates = nil
	if cerr, serr := handshake(t, ln, noCert); cerr == nil || serr == nil {
		t.Errorf("handshake without a client certificate errors = %v, %v, want both", cerr, serr)
	}

	foreignCert := cluster.ClientConfig()
	foreignCert.Certificates = stranger.ClientConfig().Certificates
	if cerr, serr := handshake(t, ln, foreignCert); cerr == nil || serr == nil {
		t.Errorf("handshake with a certificate of another CA errors = %v, %v, want both", cerr, serr)
	}

	if cerr, serr := handshake(t, ln, stranger.ClientConfig()); cerr == nil || serr == nil {
		t.Errorf("handshake with a server of another CA errors = %v, %v, want both", cerr, serr)
	} else if !strings.Contains(cerr.Error(), "certificate") {
		t.Errorf("client error = %v, want it to be about the certificate", cerr)
	}
}

func TestLoadTLS(t *testing.T) {
	c := newCredentials(t)
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ca, cert, key := file("ca.pem", c.CAPEM), file("cert.pem", c.CertPEM), file("key.pem", c.KeyPEM)
	junk, missing := file("junk.pem", []byte("not pem")), filepath.Join(dir, "missing.pem")

	server, err := LoadTLS(ca, cert, key, true)
	if err != nil {
		t.Fatalf("LoadTLS(server) error: %v", err)
	}
	client, err := LoadTLS(ca, cert, key, false)
	if err != nil {
		t.Fatalf("LoadTLS(client) error: %v", err)
	}
	ln := listen(t, "tls://127.0.0.1:0", Config{TLS: server})
	if cerr, serr := handshake(t, ln, client); cerr != nil || serr != nil {
		t.Fatalf("handshake with loaded configs errors = %v, %v, want nil, nil", cerr, serr)
	}

	for _, tc := range []struct {
		ca, cert, key string
		server        bool
		name          string // the file the error must name
	}{
		{missing, cert, key, true, missing},
		{junk, cert, key, false, junk},
		{ca, missing, key, true, missing},
		{ca, cert, missing, true, missing},
		{ca, junk, key, true, junk},
		{ca, cert, "", false, cert},
		{ca, "", "", true, "certificate file"},
	} {
		_, err := LoadTLS(tc.ca, tc.cert, tc.key, tc.server)
		if err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("LoadTLS(%q, %q, %q, %v) error = %v, want one naming %q",
				tc.ca, tc.cert, tc.key, tc.server, err, tc.name)
		}
	}
}

// A cluster's config admits members reached by any host name (here a
// server whose certificate names only loopback, dialled as "localhost" and
// by an address it does not list), and refuses strangers both ways.
func TestClusterConfig(t *testing.T) {
	cluster, stranger := newCredentials(t), newCredentials(t)
	ln := listen(t, "tls://0.0.0.0:0", Config{TLS: cluster.ClusterConfig()})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, host := range []string{"127.0.0.1", "localhost", "127.0.0.2"} {
		served := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err == nil {
				err = c.(*tls.Conn).Handshake()
				c.Close()
			}
			served <- err
		}()
		c, err := Dial(context.Background(), "tls://"+net.JoinHostPort(host, port), Config{TLS: cluster.ClusterConfig()})
		if err == nil {
			c.Close()
		}
		if serr := <-served; err != nil || serr != nil {
			t.Errorf("member dialling %s: errors %v, %v", host, err, serr)
		}
	}
	if cerr, serr := handshake(t, ln, stranger.ClusterConfig()); cerr == nil || serr == nil {
		t.Errorf("a stranger's handshake: errors %v, %v, want both", cerr, serr)
	}
	// A member refuses a stranger's server, though it skips host names.
	sln := listen(t, "tls://127.0.0.1:0", Config{TLS: stranger.ClusterConfig()})
	if cerr, _ := handshake(t, sln, cluster.ClusterConfig()); cerr == nil || !strings.Contains(cerr.Error(), "certificate") {
		t.Errorf("a member dialling a stranger: %v, want a certificate error", cerr)
	}
}

func TestWriteFiles(t *testing.T) {
	c := newCredentials(t)
	dir := filepath.Join(t.TempDir(), "creds")
	ca, cert, key, err := c.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ca, cert, key} {
		fi, err := os.Stat(f)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", f, err, fi.Mode())
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", fi.Mode().Perm())
	}
	if _, err := LoadTLS(ca, cert, key, true); err != nil {
		t.Errorf("LoadTLS of the files: %v", err)
	}
	// Files that exist already (someone else's, maybe) are not written.
	if _, _, _, err := c.WriteFiles(dir); err == nil {
		t.Error("WriteFiles over existing files succeeded")
	}
	// Nor through a symbolic link.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.WriteFiles(link); err == nil {
		t.Error("WriteFiles into a symbolic link succeeded")
	}
}
