// Package mpi runs a gask cluster inside one MPI launch, as dask-mpi
// does: started by mpirun or srun, rank 0 serves as the scheduler, rank 1
// runs the program's work with a client, and every other rank is a
// worker. It does not link MPI: ranks come from the launcher's environment
// (Open MPI, PMI/MPICH, SLURM's srun), and the scheduler's address
// reaches the other ranks through a file on the shared file system.
//
//	func main() {
//		gask.Main()
//		err := mpi.Run(context.Background(), mpi.Config{}, func(ctx context.Context, c *gask.Client) error {
//			squares, err := gask.Gather(ctx, Square.Map(c, inputs))
//			...
//		})
//		if err != nil { log.Fatal(err) }
//	}
//
//	mpirun -np 16 ./analysis        # 1 scheduler, 1 client, 14 workers
//	srun -n 16 ./analysis
//
// Every rank calls Run. Rank 1 calls main once all the workers have joined;
// when main returns, the client leaves, the scheduler stops, the workers
// end, and every rank's Run returns: rank 1's with main's error.
// Connections are mutual TLS with credentials rank 0 makes for the launch,
// unless Config.Insecure.
package mpi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/internal/allocation"
	"github.com/gask-dev/gask/schedulerd"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/workerd"
)

// Config configures Run; its zero value is the default.
type Config struct {
	// SchedulerFile is where rank 0 writes the scheduler's address (and
	// where its credentials go beside it) for the other ranks: a path all
	// of them can read. Default: gask-mpi-<launch ID>.json in the working
	// directory, the launch ID being the launcher's (PMIX_NAMESPACE,
	// SLURM's job and step, ...).
	SchedulerFile string
	// Interface is the network interface the scheduler and the workers
	// serve on ("ib0"); default every interface, reached by host name.
	Interface string
	// Threads is each worker's threads; default the CPUs its rank may use.
	Threads int
	// MemoryLimit is each worker's memory limit in bytes; default its
	// rank's share of the node's memory.
	MemoryLimit int64
	// Timeout bounds the waits at the start: for the scheduler's file,
	// and for every worker to join. Default one minute.
	Timeout time.Duration
	// Insecure runs plain TCP instead of mutual TLS.
	Insecure bool
	// Logger gets the ranks' messages (default: warnings and errors to
	// stderr).
	Logger *slog.Logger
}

// Rank reports this process's rank and the launch's size from the
// environment its launcher set: Open MPI's OMPI_COMM_WORLD_*, PMI's (MPICH,
// srun --mpi=pmi2) PMI_RANK and PMI_SIZE, or SLURM's SLURM_PROCID and
// SLURM_NTASKS inside an srun step (a batch script has them too, but no
// step). ok is false outside a launch.
func Rank() (rank, size int, ok bool) { return rankFrom(os.LookupEnv) }

func rankFrom(env func(string) (string, bool)) (rank, size int, ok bool) {
	pair := func(r, s string) (int, int, bool) {
		rv, ok1 := env(r)
		sv, ok2 := env(s)
		if !ok1 || !ok2 {
			return 0, 0, false
		}
		ri, err1 := strconv.Atoi(rv)
		si, err2 := strconv.Atoi(sv)
		if err1 != nil || err2 != nil || ri < 0 || si <= ri {
			return 0, 0, false
		}
		return ri, si, true
	}
	if r, s, ok := pair("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"); ok {
		return r, s, true
	}
	if r, s, ok := pair("PMI_RANK", "PMI_SIZE"); ok {
		return r, s, true
	}
	if _, step := env("SLURM_STEP_ID"); step {
		if r, s, ok := pair("SLURM_PROCID", "SLURM_NTASKS"); ok {
			return r, s, true
		}
	}
	return 0, 0, false
}

// launchID names this launch, the same in every rank.
func launchID(env func(string) (string, bool)) string {
	for _, k := range []string{"PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid", "PMI_JOBID"} {
		if v, ok := env(k); ok && v != "" {
			return v
		}
	}
	job, ok1 := env("SLURM_JOB_ID")
	step, ok2 := env("SLURM_STEP_ID")
	if ok1 && ok2 {
		return job + "." + step
	}
	return ""
}

// schedulerFile is what rank 0 writes for the others.
type schedulerFile struct {
	// Launch is the launch ID (launchID): a file left by an earlier
	// launch at the same path is not this one's.
	Launch  string `json:"launch,omitempty"`
	Address string `json:"address"`
	CA      string `json:"tls_ca_file,omitempty"`
	Cert    string `json:"tls_cert_file,omitempty"`
	Key     string `json:"tls_key_file,omitempty"`
}

// Run serves this rank's part of the cluster; see the package comment.
func Run(ctx context.Context, cfg Config, main func(ctx context.Context, c *gask.Client) error) error {
	rank, size, ok := Rank()
	if !ok {
		return errors.New("mpi: not started by an MPI launcher (mpirun, srun): no rank in the environment")
	}
	if size < 3 {
		return fmt.Errorf("mpi: %d ranks: a gask launch needs at least 3 (scheduler, client, a worker)", size)
	}
	if cfg.SchedulerFile == "" {
		id := launchID(os.LookupEnv)
		if id == "" {
			return errors.New("mpi: no launch ID in the environment: set Config.SchedulerFile")
		}
		cfg.SchedulerFile = "gask-mpi-" + id + ".json"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cfg.Logger = cfg.Logger.With("rank", rank)
	// The launcher ends every rank with SIGTERM when one fails: end
	// cleanly, so that rank 0 removes the scheduler file and credentials.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	switch rank {
	case 0:
		return serve(ctx, cfg)
	case 1:
		return client(ctx, cfg, size-2, main)
	}
	return work(ctx, cfg, rank)
}

// listenAddr is where rank 0 or a worker serves: every interface, or
// Interface's address.
func listenAddr(cfg Config) (string, error) {
	addr := "tcp://:0"
	if !cfg.Insecure {
		addr = "tls://:0"
	}
	if cfg.Interface != "" {
		return transport.OnInterface(addr, cfg.Interface)
	}
	return addr, nil
}

// serve is rank 0: the scheduler, until the client has come and gone.
func serve(ctx context.Context, cfg Config) error {
	addr, err := listenAddr(cfg)
	if err != nil {
		return fmt.Errorf("mpi: %w", err)
	}
	var tcfg transport.Config
	file := schedulerFile{Launch: launchID(os.LookupEnv)}
	credDir := cfg.SchedulerFile + ".tls-" + file.Launch
	if !cfg.Insecure {
		creds, err := transport.NewCredentials()
		if err != nil {
			return fmt.Errorf("mpi: %w", err)
		}
		os.RemoveAll(credDir) // a crashed launch's
		if file.CA, file.Cert, file.Key, err = creds.WriteFiles(credDir); err != nil {
			return fmt.Errorf("mpi: %w", err)
		}
		defer os.RemoveAll(credDir)
		tcfg.TLS = creds.ClusterConfig()
	}
	ln, err := transport.Listen(addr, tcfg)
	if err != nil {
		return fmt.Errorf("mpi: scheduler: %w", err)
	}
	file.Address = transport.Advertise(transport.Address(ln))
	if err := writeFile(cfg.SchedulerFile, file); err != nil {
		ln.Close()
		return err
	}
	defer os.Remove(cfg.SchedulerFile)
	srv := schedulerd.New(schedulerd.Config{Build: gask.BuildID(), Logger: cfg.Logger})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()

	// Until the client has joined and left. The client's rank waits for
	// the workers first, so its joining is bounded by twice the timeout.
	wait := 2*cfg.Timeout + 10*time.Second
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-served:
			return err
		case <-ctx.Done():
			stop()
			<-served
			return ctx.Err()
		case <-tick.C:
		}
		snap, err := srv.Snapshot(ctx)
		if err != nil {
			continue
		}
		switch {
		case snap.Clients > 0:
		case snap.ClientsJoined > 0:
			stop()
			return <-served
		case time.Now().After(deadline):
			stop()
			<-served
			return fmt.Errorf("mpi: no client joined the scheduler in %v: did rank 1 fail?", wait)
		}
	}
}

// writeFile writes f to path whole, or not at all: readers never see half.
func writeFile(path string, f schedulerFile) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("mpi: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gask-mpi-*")
	if err != nil {
		return fmt.Errorf("mpi: scheduler file: %w", err)
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("mpi: scheduler file: %w", err)
	}
	return nil
}

// readFile waits for rank 0's file and returns it with the transport it
// says to use.
func readFile(ctx context.Context, cfg Config) (schedulerFile, transport.Config, error) {
	var f schedulerFile
	launch := launchID(os.LookupEnv)
	deadline := time.Now().Add(cfg.Timeout)
wait:
	for {
		b, err := os.ReadFile(cfg.SchedulerFile)
		switch {
		case err == nil:
			f = schedulerFile{}
			if err := json.Unmarshal(b, &f); err != nil {
				return f, transport.Config{}, fmt.Errorf("mpi: scheduler file %s: %w", cfg.SchedulerFile, err)
			}
			if f.Launch == launch {
				break wait
			}
			// An earlier launch's, which rank 0 is about to replace.
			err = fmt.Errorf("%s is launch %q's, not this one's (%q)", cfg.SchedulerFile, f.Launch, launch)
		case !errors.Is(err, os.ErrNotExist):
			return f, transport.Config{}, fmt.Errorf("mpi: scheduler file: %w", err)
		}
		if time.Now().After(deadline) {
			return f, transport.Config{}, fmt.Errorf("mpi: waiting for rank 0's scheduler file: %w", err)
		}
		select {
		case <-ctx.Done():
			return f, transport.Config{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	var tcfg transport.Config
	if f.CA != "" {
		tc, err := transport.LoadTLS(f.CA, f.Cert, f.Key, true)
		if err != nil {
			return f, tcfg, fmt.Errorf("mpi: %w", err)
		}
		tc.RootCAs = tc.ClientCAs
		tcfg.TLS = transport.AnyHost(tc)
	}
	return f, tcfg, nil
}

// client is rank 1: main, once every worker has joined.
func client(ctx context.Context, cfg Config, workers int, main func(context.Context, *gask.Client) error) error {
	f, tcfg, err := readFile(ctx, cfg)
	if err != nil {
		return err
	}
	c, err := gask.Connect(ctx, f.Address, gask.WithTransport(tcfg), gask.WithLogger(cfg.Logger))
	if err != nil {
		return fmt.Errorf("mpi: %w", err)
	}
	defer c.Close() // the scheduler stops once the client has left
	wctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	for {
		ws, err := c.Workers(wctx)
		if err != nil {
			return fmt.Errorf("mpi: waiting for %d workers: %w", workers, err)
		}
		if len(ws) >= workers {
			break
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("mpi: %d of %d workers joined in %v", len(ws), workers, cfg.Timeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return main(ctx, c)
}

// work is a worker rank, until the scheduler stops.
func work(ctx context.Context, cfg Config, rank int) error {
	f, tcfg, err := readFile(ctx, cfg)
	if err != nil {
		return err
	}
	listen, err := listenAddr(cfg)
	if err != nil {
		return fmt.Errorf("mpi: %w", err)
	}
	threads, memory := share(allocation.Detect(), localRanks())
	if cfg.Threads > 0 {
		threads = cfg.Threads
	}
	if cfg.MemoryLimit > 0 {
		memory = cfg.MemoryLimit
	}
	wk := workerd.New(workerd.Config{Scheduler: f.Address, Listen: listen, Name: fmt.Sprintf("mpi-rank-%d", rank),
		NThreads: threads, MemoryLimit: memory, Transport: tcfg, Build: gask.BuildID(), Logger: cfg.Logger,
		ProcessMemory: workerd.ProcessRSS})
	err = wk.Run(ctx)
	if errors.Is(err, workerd.ErrSchedulerLost) {
		return nil // rank 0 stopped: the launch is over
	}
	return err
}

// share is a worker rank's threads and memory: what this process may use
// (allocation.Detect), divided among the ranks on the node where it is
// the node's or a cgroup's, which every rank sees whole. A SLURM task's
// CPUs and memory, and an affinity mask (Open MPI binds a rank to its
// cores), are the rank's own already.
func share(a allocation.Allocation, local int) (threads int, memory int64) {
	local = max(local, 1)
	threads, memory = a.CPUs, a.Memory
	if a.CPUSource == allocation.SourceNode || a.CPUSource == allocation.SourceCgroup {
		threads = max(1, a.CPUs/local)
	}
	if a.MemorySource == allocation.SourceNode || a.MemorySource == allocation.SourceCgroup {
		memory = a.Memory / int64(local)
	}
	return threads, memory
}

// localRanks is how many ranks share this node, as the launcher says.
func localRanks() int {
	for _, k := range []string{"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_STEP_TASKS_PER_NODE", "SLURM_NTASKS_PER_NODE"} {
		// SLURM's may read "4(x2)": four tasks on each of two nodes.
		v, _, _ := strings.Cut(os.Getenv(k), "(")
		v, _, _ = strings.Cut(v, ",")
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return 1
}
