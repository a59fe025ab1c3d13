package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gask-dev/gask"
)

// Double is registered in the test binary but not in the gask binary, so
// a generic worker cannot run it.
var Double = gask.Func("gask-cmd-test.double", func(ctx context.Context, x int) (int, error) { return 2 * x, nil })

// TestSchedulerAndWorker runs `gask scheduler` and `gask worker` as
// processes, runs a command task on them from a client, and stops both.
func TestSchedulerAndWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the gask binary")
	}
	bin := filepath.Join(t.TempDir(), "gask")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir, err := os.MkdirTemp("", "gask-cmd") // short: a socket address holds ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s.sock")
	for _, tc := range []struct {
		name   string
		args   []string
		env    []string // configuration variables
		want   string   // the printed address's prefix
		worker []string // the worker's flags
	}{
		// The worker serves peers on the loopback interface, named.
		{"tcp", []string{"--port", "0", "--dashboard-address", "127.0.0.1:0"}, nil, "tcp://127.0.0.1:", []string{"--interface", loopback(t)}},
		{"unix", []string{"--listen", "unix://" + sock}, nil, "unix://" + sock, nil},
		// The port and the dashboard's address from the environment.
		{"config", nil, []string{"GASK_SCHEDULER__PORT=0", "GASK_SCHEDULER__DASHBOARD_ADDRESS=127.0.0.1:0"}, "tcp://127.0.0.1:", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, kv := range tc.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			testSchedulerAndWorker(t, bin, tc.args, tc.want, tc.worker)
		})
	}
}

// loopback is the name of this machine's loopback interface.
func loopback(t *testing.T) string {
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface")
	return ""
}

func testSchedulerAndWorker(t *testing.T, bin string, schedArgs []string, want string, workerArgs []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	sched, schedOut := start(t, bin, append([]string{"scheduler"}, schedArgs...)...)
	out := bufio.NewReader(schedOut)
	line := readLine(t, out, 30*time.Second)
	addr, ok := strings.CutPrefix(line, "gask scheduler at ")
	if !ok || !strings.HasPrefix(addr, want) || strings.HasSuffix(addr, ":8786") {
		t.Fatalf("gask scheduler printed %q, want \"gask scheduler at %s...\" on a free port", line, want)
	}
	line = readLine(t, out, 30*time.Second)
	dash, ok := strings.CutPrefix(line, "gask dashboard at http://127.0.0.1:")
	if !ok {
		t.Fatalf("gask scheduler's second line is %q, want \"gask dashboard at http://127.0.0.1:...\"", line)
	}
	dash = "http://127.0.0.1:" + dash
	worker, _ := start(t, bin, append([]string{"worker", addr, "--nthreads", "2", "--name", "w1"}, workerArgs...)...)

	c, err := gask.Connect(ctx, addr)
	if err != nil {
		t.Fatalf("gask.Connect(%s) = %v", addr, err)
	}
	// The task waits on the scheduler until the worker has joined.
	res, err := gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"echo", "hello"}}), gask.V([]byte(nil))).Result(ctx)
	if err != nil {
		t.Fatalf("Exec(echo hello) = %v", err)
	}
	if got := string(res.Stdout); got != "hello\n" || res.ExitCode != 0 {
		t.Errorf("Exec(echo hello) = stdout %q, exit %d, want \"hello\\n\", 0", got, res.ExitCode)
	}
	ws, err := c.Workers(ctx)
	if err != nil || len(ws) != 1 || ws[0].Name != "w1" || ws[0].NThreads != 2 || !strings.HasPrefix(ws[0].Addr, "tcp://127.0.0.1:") {
		t.Errorf("Workers() = %+v, %v, want one worker w1 with 2 threads on tcp://127.0.0.1", ws, err)
	}
	// A generic worker runs only the built-in tasks: a function of this
	// program fails at once instead of waiting for a worker that never comes.
	_, err = Double.Submit(c, gask.V(21)).Result(ctx)
	if !errors.Is(err, gask.ErrNoWorker) {
		t.Errorf("Double(21) on a generic worker = %v, want an error matching ErrNoWorker", err)
	}
	resp, err := http.Get(dash + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "\ngask_scheduler_workers 1\n") {
		t.Errorf("the dashboard's /metrics lacks gask_scheduler_workers 1:\n%.2000s", metrics)
	}
	c.Close()

	stop(t, worker, "gask worker")
	stop(t, sched, "gask scheduler")
}

// start runs bin with args and returns the process and its standard
// output; standard error goes to the test log when the test fails.
func start(t *testing.T, bin string, args ...string) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr := new(bytes.Buffer) // read only after Wait
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gask %s: %v", args[0], err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("gask %s stderr:\n%s", args[0], stderr)
		}
	})
	return cmd, out
}

// readLine reads one line from r, failing the test after timeout.
func readLine(t *testing.T, r *bufio.Reader, timeout time.Duration) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() {
		line, _ := r.ReadString('\n')
		ch <- strings.TrimSpace(line)
	}()
	select {
	case line := <-ch:
		return line
	case <-time.After(timeout):
		t.Fatalf("no line on standard output after %v", timeout)
		return ""
	}
}

// stop sends SIGTERM to cmd and checks that it exits with status 0 in time.
func stop(t *testing.T, cmd *exec.Cmd, name string) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal %s: %v", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s after SIGTERM: %v, want exit status 0", name, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%s still running 30s after SIGTERM", name)
		cmd.Process.Kill()
		<-done
	}
}

func TestBadConfiguration(t *testing.T) {
	t.Setenv("GASK_SCHEDULER__PORT", "http")
	var out bytes.Buffer
	if code := run([]string{"scheduler"}, &out, &out); code != 1 || !strings.Contains(out.String(), "GASK_SCHEDULER__PORT") {
		t.Errorf("gask scheduler with GASK_SCHEDULER__PORT=http = exit %d, %q; want exit 1 naming the variable", code, out.String())
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // expected in stdout or stderr
	}{
		{[]string{"version"}, 0, "protocol"},
		{[]string{"--help"}, 0, "scheduler"},
		{[]string{"scheduler", "--help"}, 0, "--port"},
		{[]string{"nonsense"}, 2, `unknown command "nonsense"`},
		{[]string{"scheduler", "--no-such-flag"}, 2, "unknown flag"},
		{[]string{"scheduler", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"scheduler", "--tls-cert", "x.pem"}, 1, "must be given together"},
		{[]string{"scheduler", "--listen", "udp://x:1"}, 1, `unknown scheme "udp"`},
		{[]string{"scheduler", "--listen", "unix:///tmp/s.sock", "--port", "1"}, 1, "replaces --host and --port"},
		{[]string{"scheduler", "--listen", "inproc://s"}, 1, "only inside one program"},
		{[]string{"scheduler", "--listen", "tls://127.0.0.1:0"}, 1, "needs --tls-cert and --tls-key"},
		{[]string{"scheduler", "--port", "0", "--dashboard-address", "127.0.0.1:no-port"}, 1, "--dashboard-address"},
		{[]string{"worker"}, 2, "usage:"},
		{[]string{"worker", "-h"}, 0, "-nthreads"},
		{[]string{"worker", "tcp://127.0.0.1:1", "--interface", "no-such-interface0"}, 2, `--interface: transport: interface "no-such-interface0"`},
		{[]string{"worker", "tls://127.0.0.1:1", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-any-host"}, 2, "--tls-any-host needs --tls-ca-file"},
	} {
		var out bytes.Buffer
		code := run(tc.args, &out, &out)
		if code != tc.code || !strings.Contains(out.String(), tc.out) {
			t.Errorf("gask %s = exit %d, output %q; want exit %d, output containing %q",
				strings.Join(tc.args, " "), code, out.String(), tc.code, tc.out)
		}
	}
}
