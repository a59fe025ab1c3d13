package jobqueue

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/config"
	"github.com/gask-dev/gask/scheduler"
	"github.com/gask-dev/gask/transport"
)

// Config describes the jobs a Cluster submits (the options of
// dask-jobqueue's clusters) and the scheduler it runs. Each job runs one
// worker of Cores threads: Go has no interpreter lock, so one process uses
// every CPU of its job.
type Config struct {
	// System is the batch system: SLURM or SGE.
	System System

	// Name is the jobs' name; a job's worker is named Name-<job ID>.
	// Default "gask-worker".
	Name string
	// Cores is the CPUs a job asks for and its worker's threads. Default 1.
	Cores int
	// Memory is the memory a job asks for, in bytes, and its worker's
	// memory limit. Zero asks for none: the worker's limit is then what the
	// job was given (its cgroup, or SLURM_MEM_PER_NODE and the like).
	Memory int64
	// Walltime is how long a job may run; zero leaves it to the queue's
	// default. See Lifetime.
	Walltime time.Duration
	// Queue is the queue (SLURM's partition) to submit to; Account the
	// account or project to charge. Empty: the system's default.
	Queue, Account string
	// Directives are more header options, written after the system's
	// prefix: "--gres=gpu:1" or "--constraint=skylake" for SLURM,
	// "-pe smp 4" or "-l h_vmem=4G" for SGE.
	Directives []string
	// Prologue is shell lines a job runs before its worker starts:
	// "module load gcc", "export OMP_NUM_THREADS=1", ...
	Prologue []string

	// LogDirectory is where jobs write their output, one file a job. It
	// must be a directory that the compute nodes can write to and this
	// program can read: a shared file system. Default: the working
	// directory, as sbatch and qsub do.
	LogDirectory string
	// LocalDirectory is where workers spill results to disk (the worker's
	// --local-directory), best a node's local disk. Default: the node's
	// temporary directory.
	LocalDirectory string
	// Command is the program that jobs run as a worker, with arguments to
	// put before "worker". Default: this program (os.Executable), which
	// must call gask.Main first thing in main and be on a file system the
	// compute nodes share. A wrapper runs it in a container:
	// ["apptainer", "exec", "image.sif", "/opt/app/prog"].
	Command []string
	// WorkerArgs are more flags for the worker: "--resources", "GPU=1".
	WorkerArgs []string
	// Insecure runs the cluster over plain TCP. By default the scheduler
	// and the workers speak mutual TLS with credentials made for the
	// cluster (written, readable by this user alone, under LogDirectory
	// and removed by Close): on a shared login node anyone who can reach
	// a plain scheduler can run tasks, commands (gask.Exec) included, as
	// you.
	Insecure bool
	// NoNanny runs the worker without a nanny. By default a nanny
	// process in the job restarts the worker when it dies or goes over
	// its memory limit.
	NoNanny bool

	// Lifetime is how long a worker runs before it retires: the scheduler
	// moves its values to other workers, its job ends, and the cluster
	// submits a job to replace it, so that a job's walltime ends no work.
	// Default, when Walltime is set: Walltime less a tenth of it, and at
	// most five minutes less. Negative: never.
	Lifetime time.Duration

	// Listen is the scheduler's address: "tcp://:0" (the default) listens
	// on every interface, on a free port, and jobs reach it by this host's
	// name. Interface, if set, picks a network interface instead
	// ("ib0"): the scheduler listens on its address.
	Listen, Interface string
	// Scheduler tunes the scheduler.
	Scheduler scheduler.Config
	// Logger gets the cluster's messages (default: warnings and errors to
	// stderr).
	Logger *slog.Logger
	// IgnoreConfig leaves out the configuration files and GASK_*
	// variables (package config), whose jobqueue.<system> section (slurm,
	// sge) otherwise fills the fields left unset here: a site's queue,
	// account, cores, memory, prologue, ...
	IgnoreConfig bool
	// PollInterval is how often the cluster asks the batch system about
	// jobs whose workers have not joined or have left (squeue, qstat).
	// Default 5s.
	PollInterval time.Duration
}

// withConfig fills the fields cfg leaves unset from the configuration's
// section for its system.
func (cfg Config) withConfig(conf *config.Config) Config {
	var j config.Job
	switch cfg.System.name {
	case SLURM.name:
		j = conf.Jobqueue.SLURM
	case SGE.name:
		j = conf.Jobqueue.SGE
	}
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	list := func(dst *[]string, v []string) {
		if len(*dst) == 0 {
			*dst = v
		}
	}
	set(&cfg.Name, j.Name)
	set(&cfg.Queue, j.Queue)
	set(&cfg.Account, j.Account)
	set(&cfg.LogDirectory, j.LogDirectory)
	set(&cfg.LocalDirectory, j.LocalDirectory)
	set(&cfg.Interface, j.Interface)
	set(&cfg.Listen, j.Listen)
	list(&cfg.Directives, j.Directives)
	list(&cfg.Prologue, j.Prologue)
	list(&cfg.Command, j.Command)
	list(&cfg.WorkerArgs, j.WorkerArgs)
	if cfg.Cores == 0 {
		cfg.Cores = j.Cores
	}
	if cfg.Memory == 0 {
		cfg.Memory = int64(j.Memory)
	}
	if cfg.Walltime == 0 {
		cfg.Walltime = time.Duration(j.Walltime)
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = time.Duration(j.Lifetime)
	}
	if !cfg.NoNanny && j.Nanny != nil && !*j.Nanny {
		cfg.NoNanny = true
	}
	return cfg
}

var (
	validName  = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	safeHeader = regexp.MustCompile(`^[A-Za-z0-9._/:+,=@~-]+$`)
)

// withDefaults fills in the defaults and checks the rest.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.System.name == "" {
		return cfg, errors.New("jobqueue: Config.System is not set (jobqueue.SLURM, jobqueue.SGE)")
	}
	if cfg.Name == "" {
		cfg.Name = "gask-worker"
	}
	if !validName.MatchString(cfg.Name) {
		return cfg, fmt.Errorf("jobqueue: job name %q: use letters, digits, '-', '_' and '.'", cfg.Name)
	}
	// Header options are read by sbatch's and qsub's own parsers, whose
	// quoting differs from the shell's: their values must need none. (%
	// and $ are SLURM's and Grid Engine's patterns in -o.)
	for _, f := range []struct{ name, v string }{{"Queue", cfg.Queue}, {"Account", cfg.Account}} {
		if f.v != "" && !safeHeader.MatchString(f.v) {
			return cfg, fmt.Errorf("jobqueue: %s %q: a job header takes letters, digits and -_./:+,=@~ only", f.name, f.v)
		}
	}
	if cfg.Cores <= 0 {
		cfg.Cores = 1
	}
	if cfg.Memory < 0 || cfg.Walltime < 0 {
		return cfg, errors.New("jobqueue: Memory and Walltime must not be negative")
	}
	if cfg.LogDirectory == "" {
		wd, err := os.Getwd()
		if err != nil {
			return cfg, fmt.Errorf("jobqueue: log directory: %w", err)
		}
		cfg.LogDirectory = wd
	}
	abs, err := filepath.Abs(cfg.LogDirectory)
	if err != nil {
		return cfg, fmt.Errorf("jobqueue: log directory: %w", err)
	}
	cfg.LogDirectory = abs
	if !safeHeader.MatchString(cfg.LogDirectory) {
		return cfg, fmt.Errorf("jobqueue: log directory %q: a job header takes letters, digits and -_./:+,=@~ only (set LogDirectory)", cfg.LogDirectory)
	}
	if len(cfg.Command) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return cfg, fmt.Errorf("jobqueue: the worker's program: %w", err)
		}
		cfg.Command = []string{exe}
	}
	if cfg.Lifetime == 0 && cfg.Walltime > 0 {
		cfg.Lifetime = cfg.Walltime - min(cfg.Walltime/10, 5*time.Minute)
	}
	if cfg.Listen == "" {
		cfg.Listen = "tcp://:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	return cfg, nil
}

// Script is the job script that a cluster of cfg whose scheduler is at
// schedulerAddr submits: the system's header, the prologue, and the
// worker, which the job runs in its foreground (exec), so that the batch
// system's signals and accounting reach it. Script reads no configuration
// file: it is cfg's script, whatever the machine's files say. Unless
// cfg.Insecure, the credentials' directory is shown as
// .gask-tls-<Name>-XXXXXX: a cluster makes its own when it starts.
func Script(cfg Config, schedulerAddr string) (string, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return "", err
	}
	var creds *tlsFiles
	if !cfg.Insecure {
		if schedulerAddr, err = secureAddr(schedulerAddr); err != nil {
			return "", err
		}
		creds = previewTLS(cfg.LogDirectory, cfg.Name)
	}
	return script(&cfg, schedulerAddr, creds), nil
}

func script(cfg *Config, addr string, creds *tlsFiles) string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	for _, h := range cfg.System.header(cfg) {
		fmt.Fprintf(&b, "%s %s\n", cfg.System.directive, h)
	}
	for _, d := range cfg.Directives {
		fmt.Fprintf(&b, "%s %s\n", cfg.System.directive, d)
	}
	b.WriteString("\n")
	for _, p := range cfg.Prologue {
		b.WriteString(p + "\n")
	}
	// A program that does not call gask.Main fails at once instead of
	// running its main function on the compute node (local.ErrWorkerProcess).
	fmt.Fprintf(&b, "export %s=1\n", gask.WorkerEnv)
	args := []string{"exec"}
	for _, c := range cfg.Command {
		args = append(args, shellQuote(c))
	}
	memory := "auto"
	if cfg.Memory > 0 {
		memory = strconv.FormatInt(cfg.Memory, 10)
	}
	args = append(args, "worker", shellQuote(addr),
		`--name "`+cfg.Name+`-$`+cfg.System.jobIDVar+`"`,
		"--nthreads", strconv.Itoa(cfg.Cores), "--memory-limit", memory)
	scheme := "tcp"
	if creds != nil {
		args = append(args, creds.args()...)
		scheme = "tls"
	}
	switch {
	case cfg.Interface != "":
		args = append(args, "--listen", scheme+"://:0", "--interface", shellQuote(cfg.Interface))
	case !loopback(addr):
		// Serve peers and clients on the node's network, not on loopback.
		args = append(args, "--listen", scheme+"://:0")
	}
	if !cfg.NoNanny {
		args = append(args, "--nanny")
	}
	if cfg.LocalDirectory != "" {
		args = append(args, "--local-directory", shellQuote(cfg.LocalDirectory))
	}
	for _, a := range cfg.WorkerArgs {
		args = append(args, shellQuote(a))
	}
	b.WriteString(strings.Join(args, " ") + "\n")
	return b.String()
}

// loopback reports whether addr's host is a loopback address or name: a
// scheduler only this machine reaches, as in tests.
func loopback(addr string) bool {
	_, hostport, err := transport.Parse(addr)
	if err != nil {
		return false
	}
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
