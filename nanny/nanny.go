// Package nanny supervises one worker process: it starts it, restarts it
// with back-off when it dies, and tells the scheduler how it died (exit
// status, signal), so that errors about lost work can say why.
//
//	err := nanny.Run(ctx, nanny.Config{Scheduler: addr, Command: exe, Args: []string{"worker", addr}})
//
// The worker process reports its address on the file descriptor named by
// the GASK_READY_FD environment variable (package gask's worker role does);
// that is how the nanny knows which worker a death concerns. Run returns
// when ctx ends or the scheduler goes away, after stopping the worker
// (SIGTERM, then SIGKILL), and when the worker retires: a worker process
// that the scheduler retired exits with ExitRetired, which is no death, and
// is not restarted.
package nanny

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/gask-dev/gask/internal/allocation"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

// ReadyFDEnv names the environment variable that tells a worker process on
// which file descriptor to write its address.
const ReadyFDEnv = "GASK_READY_FD"

// ExitRetired is the exit status of a worker process, started by a nanny,
// that ended because the scheduler retired it: its values were moved to
// other workers and it is not wanted any more. Run returns nil rather than
// restart it. (An unusual status, so that no crash is taken for it.)
const ExitRetired = 87

// Config describes the supervised worker.
type Config struct {
	Scheduler string
	Transport transport.Config
	Name      string
	Command   string   // the worker program
	Args      []string // its arguments
	Env       []string // extra environment
	Logger    *slog.Logger
	// MinBackoff and MaxBackoff bound the wait before a restart; it doubles
	// after each quick death. Defaults 100ms and 10s.
	MinBackoff, MaxBackoff time.Duration
	// Started, if set, is called with each new worker process's address.
	Started func(addr string, pid int)
	// MemoryLimit is the worker's memory limit in bytes (0: none). When the
	// worker process's resident memory passes MemoryTerminate of it, the
	// nanny kills the process and restarts it, and the scheduler is told
	// that memory was the cause.
	MemoryLimit int64
	// MemoryTerminate is the fraction of MemoryLimit at which the worker
	// is restarted; 0 means DefaultMemoryTerminate (Dask's 95%), negative
	// turns the guard off.
	MemoryTerminate float64
	// MemoryInterval is how often the nanny reads the worker's memory;
	// default 100ms.
	MemoryInterval time.Duration
}

// DefaultMemoryTerminate is the fraction of its memory limit at which a
// worker process is killed and restarted.
const DefaultMemoryTerminate = 0.95

// Death describes how a worker process ended.
type Death struct {
	ExitCode int    // -1 when killed by a signal
	Signal   string // e.g. "killed"
	OOM      bool   // the kernel's out-of-memory killer killed it
	Reason   string // a sentence for people
}

// Describe explains a finished process's state; oom says the kernel's OOM
// killer acted while it ran.
func Describe(ps *os.ProcessState, oom bool) Death {
	d := Death{ExitCode: ps.ExitCode()}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		d.ExitCode = -1
		d.Signal = ws.Signal().String()
		d.Reason = fmt.Sprintf("worker process %d was killed by signal %d (%s)", ps.Pid(), int(ws.Signal()), ws.Signal())
		if oom && ws.Signal() == syscall.SIGKILL {
			d.OOM = true
			d.Reason = fmt.Sprintf("worker process %d was killed by the kernel's out-of-memory killer (signal 9): "+
				"its tasks need more memory than the machine or allocation has", ps.Pid())
		}
		return d
	}
	d.Reason = fmt.Sprintf("worker process %d exited with status %d", ps.Pid(), d.ExitCode)
	return d
}

// ErrNeverStarted is wrapped by Run's error when the worker process ended
// before it ever joined: a program that cannot start once (wrong binary,
// bad flags, no gask.Main) is reported, not restarted forever.
var ErrNeverStarted = errors.New("gask nanny: worker process ended before it joined the scheduler")

// ErrSchedulerLost is returned by Run when its connection to the scheduler
// breaks: without a scheduler there is nothing to restart the worker for.
var ErrSchedulerLost = errors.New("gask nanny: lost the connection to the scheduler")

// Run supervises the worker until ctx ends or the worker retires (nil
// error). Once the worker has joined, every death is followed by a restart
// after a back-off; if the first process ends before joining, Run returns
// an error wrapping ErrNeverStarted that says how it ended.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Second
	}
	if cfg.MemoryTerminate == 0 {
		cfg.MemoryTerminate = DefaultMemoryTerminate
	}
	if cfg.MemoryInterval <= 0 {
		cfg.MemoryInterval = 100 * time.Millisecond
	}
	nc, err := transport.Dial(ctx, cfg.Scheduler, cfg.Transport)
	if err != nil {
		return fmt.Errorf("gask nanny: connect to scheduler: %w", err)
	}
	sched := wire.NewConn(nc, wire.Limits{})
	defer sched.Close()
	if _, err := wire.Handshake(ctx, sched, &wire.Hello{Role: wire.RoleNanny, Name: cfg.Name, PID: int64(os.Getpid())}); err != nil {
		return fmt.Errorf("gask nanny: join scheduler: %w", err)
	}
	// The scheduler sends a nanny nothing; reading tells when it is gone.
	outer := ctx
	ctx, stop := context.WithCancel(ctx)
	lost := make(chan error, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer stop()
		for {
			if _, err := sched.Recv(); err != nil {
				lost <- err
				return
			}
		}
	}()
	defer func() {
		stop()
		sched.Close()
		<-readerDone
	}()
	schedulerGone := func() error {
		if outer.Err() != nil {
			return nil
		}
		select {
		case err := <-lost:
			return fmt.Errorf("%w: %v", ErrSchedulerLost, err)
		default:
			return nil
		}
	}
	backoff := cfg.MinBackoff
	joined := false
	for {
		start := time.Now()
		kills, known := oomKills()
		addr, ps, memory, err := runOnce(ctx, cfg)
		if ctx.Err() != nil {
			return schedulerGone()
		}
		if err != nil {
			return err
		}
		if addr != "" && memory == "" && ps.Exited() && ps.ExitCode() == ExitRetired {
			cfg.Logger.Info("worker retired", "name", cfg.Name)
			return nil
		}
		after, _ := oomKills()
		d := Describe(ps, known && after > kills)
		if memory != "" {
			d.OOM, d.Reason = true, memory
		}
		joined = joined || addr != ""
		if !joined {
			return fmt.Errorf("%w: %s (does the program call gask.Main() first thing in main, and accept these arguments: %q?)",
				ErrNeverStarted, d.Reason, cfg.Args)
		}
		cfg.Logger.Warn("worker process died; restarting", "name", cfg.Name, "reason", d.Reason, "backoff", backoff)
		if addr != "" {
			sched.Send(&wire.WorkerDied{Name: cfg.Name, Addr: addr, Reason: d.Reason, ExitCode: int64(d.ExitCode), Signal: d.Signal, OOM: d.OOM})
		}
		if time.Since(start) > time.Minute {
			backoff = cfg.MinBackoff
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return schedulerGone()
		case <-t.C:
		}
		backoff = min(2*backoff, cfg.MaxBackoff)
	}
}

// runOnce starts the worker and waits for it to end, or stops it when ctx
// ends. memory is set when the nanny killed it for passing its memory limit.
func runOnce(ctx context.Context, cfg Config) (addr string, ps *os.ProcessState, memory string, err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", nil, "", err
	}
	defer r.Close()
	cmd := exec.Command(cfg.Command, cfg.Args...)
	cmd.Env = append(os.Environ(), cfg.Env...)
	cmd.Env = append(cmd.Env, ReadyFDEnv+"=3")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		w.Close()
		return "", nil, "", fmt.Errorf("gask nanny: start worker: %w", err)
	}
	w.Close()
	addrCh := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		addrCh <- strings.TrimSpace(line)
	}()
	waitCh := make(chan error, 1)
	go func() { waitCh <- cmd.Wait() }()
	var tick <-chan time.Time
	if cfg.MemoryLimit > 0 && cfg.MemoryTerminate > 0 {
		t := time.NewTicker(cfg.MemoryInterval)
		defer t.Stop()
		tick = t.C
	}
	terminate := int64(cfg.MemoryTerminate * float64(cfg.MemoryLimit))
	// joined records the address the worker reported, if any.
	joined := func(a string) {
		if a == "" {
			return
		}
		addr = a
		if cfg.Started != nil {
			cfg.Started(a, cmd.Process.Pid)
		}
	}
	for {
		select {
		case <-tick:
			if addr == "" {
				continue // not joined yet: its idle memory is not known
			}
			if n := allocation.ResidentBytes(cmd.Process.Pid); n > terminate && memory == "" {
				memory = fmt.Sprintf("worker process %d used %s of memory, more than %.0f%% of its limit of %s: the nanny killed and restarted it",
					cmd.Process.Pid, allocation.FormatBytes(n), 100*cfg.MemoryTerminate, allocation.FormatBytes(cfg.MemoryLimit))
				cfg.Logger.Warn("worker exceeded its memory limit; restarting it", "name", cfg.Name, "rss", n, "limit", cfg.MemoryLimit)
				cmd.Process.Kill()
				tick = nil
			}
		case a := <-addrCh:
			joined(a)
			if idle := allocation.ResidentBytes(cmd.Process.Pid); addr != "" && tick != nil && idle > terminate {
				// A limit below what the worker needs idle would restart it
				// for ever: warn and leave memory to the worker's own
				// spilling and pausing.
				cfg.Logger.Error("memory limit is below this worker's idle memory; the nanny will not restart it for memory",
					"name", cfg.Name, "idle", allocation.FormatBytes(idle), "limit", allocation.FormatBytes(cfg.MemoryLimit))
				tick = nil
			}
			addrCh = nil
		case err := <-waitCh:
			if addrCh != nil {
				// It may have said its address just before it ended: the
				// pipe is closed now, so the reader is about to answer
				// (unless a process it started holds the pipe open).
				t := time.NewTimer(time.Second)
				select {
				case a := <-addrCh:
					joined(a)
				case <-t.C:
				}
				t.Stop()
			}
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				return addr, cmd.ProcessState, memory, err
			}
			return addr, cmd.ProcessState, memory, nil
		case <-ctx.Done():
			cmd.Process.Signal(syscall.SIGTERM)
			t := time.NewTimer(5 * time.Second)
			select {
			case <-waitCh:
			case <-t.C:
				cmd.Process.Kill()
				<-waitCh
			}
			t.Stop()
			return addr, cmd.ProcessState, memory, nil
		}
	}
}
