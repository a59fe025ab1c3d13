package jobqueue

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gask-dev/gask/transport"
)

// tlsFiles are a cluster's TLS credentials (transport.NewCredentials: a
// CA of its own, whose key is gone, and one certificate), written where
// the jobs can read them: a directory of the log directory, which is on a
// file system the nodes share, readable by this user alone.
type tlsFiles struct {
	dir           string
	ca, cert, key string
	config        *tls.Config // for the scheduler and the client
}

func newTLSFiles(logDir, name string) (*tlsFiles, error) {
	creds, err := transport.NewCredentials()
	if err != nil {
		return nil, fmt.Errorf("jobqueue: TLS credentials: %w", err)
	}
	dir, err := os.MkdirTemp(logDir, ".gask-tls-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("jobqueue: TLS credentials: %w", err)
	}
	f := &tlsFiles{dir: dir, config: creds.ClusterConfig()}
	if f.ca, f.cert, f.key, err = creds.WriteFiles(dir); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	return f, nil
}

// remove deletes the files; nil does nothing.
func (f *tlsFiles) remove() {
	if f != nil {
		os.RemoveAll(f.dir)
	}
}

// args are the worker's flags for the credentials.
func (f *tlsFiles) args() []string {
	return []string{"--tls-ca-file", shellQuote(f.ca), "--tls-cert", shellQuote(f.cert), "--tls-key", shellQuote(f.key), "--tls-any-host"}
}

// secureAddr is a scheduler address over TLS: tcp:// becomes tls://.
func secureAddr(addr string) (string, error) {
	scheme, hostport, err := transport.Parse(addr)
	switch {
	case err != nil:
		return "", fmt.Errorf("jobqueue: scheduler address: %w", err)
	case scheme == transport.SchemeTCP || scheme == transport.SchemeTLS:
		return transport.SchemeTLS + "://" + hostport, nil
	}
	return "", fmt.Errorf("jobqueue: scheduler address %q: jobs on other nodes need tcp:// or tls://", addr)
}

// previewTLS are credentials' paths as Script shows them: the directory
// is made when a cluster starts.
func previewTLS(logDir, name string) *tlsFiles {
	dir := filepath.Join(logDir, ".gask-tls-"+name+"-XXXXXX")
	return &tlsFiles{dir: dir, ca: dir + "/ca.pem", cert: dir + "/cert.pem", key: dir + "/key.pem"}
}
