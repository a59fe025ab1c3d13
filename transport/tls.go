package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
)

// credentialsLifetime is how long NewCredentials' certificates are valid.
const credentialsLifetime = 365 * 24 * time.Hour

// Credentials are a cluster's CA plus one certificate signed by it, enough
// for mutual TLS: every process of the cluster presents the certificate and
// trusts only the CA, so only holders of the credentials can connect.
type Credentials struct {
	CA      *x509.Certificate // the cluster's CA; its key is gone
	CAPEM   []byte            // the CA certificate, PEM encoded
	CertPEM []byte            // the leaf certificate, PEM encoded
	KeyPEM  []byte            // the leaf's private key, PEM encoded PKCS #8

	cert tls.Certificate
	pool *x509.CertPool
}

// NewCredentials makes an ephemeral ECDSA P-256 CA and a leaf certificate
// signed by it, valid for a year for 127.0.0.1, ::1, localhost and hosts
// (names or IP addresses), for both server and client authentication. The
// CA's key is discarded, so no further certificates can be issued.
func NewCredentials(hosts ...string) (*Credentials, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("transport: generate CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "gask cluster CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(credentialsLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("transport: create CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("transport: parse CA certificate: %w", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("transport: generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "gask"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(credentialsLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("transport: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("transport: encode key: %w", err)
	}
	c := &Credentials{
		CA:      ca,
		CAPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		pool:    x509.NewCertPool(),
	}
	c.pool.AddCert(ca)
	if c.cert, err = tls.X509KeyPair(c.CertPEM, c.KeyPEM); err != nil {
		return nil, fmt.Errorf("transport: load key pair: %w", err)
	}
	return c, nil
}

// serial returns a random 128-bit certificate serial number. crypto/rand
// does not fail on the platforms Go supports.
func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	return n
}

// ServerConfig returns a new server config that presents the certificate
// and requires clients to present one signed by the CA.
func (c *Credentials) ServerConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{c.cert},
		ClientCAs:    c.pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}
}

// ClientConfig returns a new client config that trusts only the CA and
// presents the certificate.
func (c *Credentials) ClientConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{c.cert},
		RootCAs:      c.pool,
		MinVersion:   tls.VersionTLS12,
	}
}

// ClusterConfig returns a new config for both ends of a connection inside
// one cluster: it presents the certificate, requires the peer's, and
// accepts a peer certificate signed by the CA whatever host it was
// reached as. The CA is the cluster's own (its key is gone once the
// certificate is made), so holding its certificate is what admits a
// process; a host name says nothing more (workers on compute nodes are
// reached by names no certificate could list). Dask's temporary security
// does the same.
func (c *Credentials) ClusterConfig() *tls.Config {
	return AnyHost(&tls.Config{
		Certificates: []tls.Certificate{c.cert},
		ClientCAs:    c.pool,
		RootCAs:      c.pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	})
}

// AnyHost makes cfg verify every peer's certificate chain against
// cfg.RootCAs without checking the host name it was dialled as, on both
// sides of a connection (a server then also requires a client
// certificate). It returns cfg. RootCAs must be set: with the system's
// roots, any publicly trusted certificate would do; AnyHost panics
// without them.
func AnyHost(cfg *tls.Config) *tls.Config {
	roots := cfg.RootCAs
	if roots == nil {
		panic("transport: AnyHost needs RootCAs: the cluster's own CA")
	}
	cfg.InsecureSkipVerify = true // the host name; the chain is verified below
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("transport: the peer presented no certificate")
		}
		if cs.DidResume {
			return nil // verified when the session began
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil {
			return fmt.Errorf("transport: peer certificate: %w", err)
		}
		return nil
	}
	return cfg
}

// WriteFiles writes the credentials to dir (created, private to this
// user) as ca.pem, cert.pem and key.pem, readable only by this user, for
// processes started elsewhere (--tls-ca-file, --tls-cert, --tls-key).
//
// The directory must be a real directory (not a symbolic link) that this
// user may make private (chmod 0700: only its owner can), and the files
// must not exist yet: a file someone else made, with a mode of their
// choosing, is never written into.
func (c *Credentials) WriteFiles(dir string) (caFile, certFile, keyFile string, err error) {
	fail := func(err error) (string, string, string, error) {
		return "", "", "", fmt.Errorf("transport: credentials: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		return fail(fmt.Errorf("%s is not a directory", dir))
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fail(err)
	}
	caFile, certFile, keyFile = dir+"/ca.pem", dir+"/cert.pem", dir+"/key.pem"
	for _, f := range []struct {
		path string
		data []byte
	}{{caFile, c.CAPEM}, {certFile, c.CertPEM}, {keyFile, c.KeyPEM}} {
		w, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fail(err)
		}
		_, err = w.Write(f.data)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail(err)
		}
	}
	return caFile, certFile, keyFile, nil
}

// LoadTLS builds a config from PEM files. For a server, certFile and
// keyFile are required, and caFile, if set, makes it require client
// certificates signed by that CA (mutual TLS). For a client, caFile, if
// set, replaces the system roots, and certFile and keyFile, if set, are the
// client certificate. Errors name the file at fault.
func LoadTLS(caFile, certFile, keyFile string, server bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case (certFile == "") != (keyFile == ""):
		return nil, fmt.Errorf("transport: certificate file %q and key file %q must be given together", certFile, keyFile)
	case certFile != "":
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("transport: load certificate %q with key %q: %w", certFile, keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case server:
		return nil, errors.New("transport: a TLS server needs a certificate file and a key file")
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("transport: read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("transport: no PEM certificate in CA file %q", caFile)
		}
		if server {
			cfg.ClientCAs = pool
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		} else {
			cfg.RootCAs = pool
		}
	}
	return cfg, nil
}
