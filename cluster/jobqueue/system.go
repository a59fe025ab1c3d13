package jobqueue

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A System is a batch system: the header its job scripts begin with, and
// the commands that submit, list and cancel its jobs. SLURM and SGE are
// the systems gask knows.
type System struct {
	name string
	// directive begins each header line ("#SBATCH").
	directive string
	// jobIDVar is the variable in which a running job sees its ID.
	jobIDVar string
	// header is the job's options, one a line, without the directive.
	header func(cfg *Config) []string
	// submit reads a script on standard input and prints the job's ID.
	submit []string
	// parseID reads the ID from what submit printed.
	parseID func(out string) (string, error)
	// cancel, with job IDs appended, cancels those jobs.
	cancel []string
	// gone reports whether cancel's error says a job no longer exists,
	// which is as good as cancelled.
	gone func(err error) bool
	// active lists which of ids the system still runs or holds queued.
	active func(ctx context.Context, ids []string) (map[string]bool, error)
	// logFile is the path of a job's output, given its header's options.
	logFile func(cfg *Config, id string) string
}

// String is the system's name: "slurm", "sge".
func (s System) String() string { return s.name }

// SLURM is the Slurm workload manager: jobs are submitted with sbatch,
// listed with squeue and cancelled with scancel. A job asks for one task
// of Config.Cores CPUs (--cpus-per-task) and Config.Memory (--mem).
var SLURM = System{
	name:      "slurm",
	directive: "#SBATCH",
	jobIDVar:  "SLURM_JOB_ID",
	header: func(cfg *Config) []string {
		h := []string{
			"-J " + shellQuote(cfg.Name),
			"-o " + shellQuote(filepath.Join(cfg.LogDirectory, cfg.Name+"-%j.out")),
			"-n 1",
			"--cpus-per-task=" + strconv.Itoa(cfg.Cores),
		}
		if cfg.Memory > 0 {
			h = append(h, fmt.Sprintf("--mem=%dM", (cfg.Memory+1<<20-1)>>20)) // MiB, rounded up
		}
		if cfg.Walltime > 0 {
			h = append(h, "-t "+clock(cfg.Walltime))
		}
		if cfg.Queue != "" {
			h = append(h, "-p "+shellQuote(cfg.Queue))
		}
		if cfg.Account != "" {
			h = append(h, "-A "+shellQuote(cfg.Account))
		}
		return h
	},
	submit: []string{"sbatch", "--parsable"},
	parseID: func(out string) (string, error) {
		// "123", or "123;cluster" on a federation.
		id, _, _ := strings.Cut(strings.TrimSpace(out), ";")
		if !isJobID(id) {
			return "", fmt.Errorf("sbatch printed %q, not a job ID", strings.TrimSpace(out))
		}
		return id, nil
	},
	cancel: []string{"scancel"},
	gone: func(err error) bool {
		return strings.Contains(err.Error(), "Invalid job id") || strings.Contains(err.Error(), "already completing or completed")
	},
	active: func(ctx context.Context, ids []string) (map[string]bool, error) {
		// -t all lists ended jobs too, for a while (MinJobAge), in their
		// final state; jobs slurmctld has forgotten are not listed.
		out, err := run(ctx, "", "squeue", "-h", "-t", "all", "-o", "%i %T", "-j", strings.Join(ids, ","))
		if err != nil {
			if strings.Contains(err.Error(), "Invalid job id") {
				return map[string]bool{}, nil // all of them forgotten
			}
			return nil, err
		}
		return parseSqueue(out), nil
	},
	logFile: func(cfg *Config, id string) string {
		return filepath.Join(cfg.LogDirectory, cfg.Name+"-"+id+".out")
	},
}

// parseSqueue reads `squeue -h -o "%i %T"`: the jobs listed, and whether
// each is still pending or running.
func parseSqueue(out string) map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !isJobID(f[0]) {
			continue
		}
		switch f[1] {
		case "PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING", "SIGNALING", "STAGE_OUT", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "STOPPED":
			m[f[0]] = true
		default: // COMPLETED, CANCELLED, FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, ...
			m[f[0]] = false
		}
	}
	return m
}

// SGE is (Son of) Grid Engine: jobs are submitted with qsub, listed with
// qstat and cancelled with qdel. Grid Engine asks for CPUs through a
// parallel environment whose name each site chooses, and for memory
// through site-defined resources: give them in Config.Directives
// ("-pe smp 4", "-l h_vmem=4G"); Cores and Memory always size the worker.
var SGE = System{
	name:      "sge",
	directive: "#$",
	jobIDVar:  "JOB_ID",
	header: func(cfg *Config) []string {
		h := []string{
			"-N " + shellQuote(cfg.Name),
			"-S /bin/sh",
			// Output and errors together, in <dir>/<name>.o<id>.
			"-o " + shellQuote(cfg.LogDirectory+"/"),
			"-j y",
		}
		if cfg.Walltime > 0 {
			h = append(h, "-l h_rt="+clock(cfg.Walltime))
		}
		if cfg.Queue != "" {
			h = append(h, "-q "+shellQuote(cfg.Queue))
		}
		if cfg.Account != "" {
			h = append(h, "-A "+shellQuote(cfg.Account))
		}
		return h
	},
	submit: []string{"qsub", "-terse"},
	parseID: func(out string) (string, error) {
		// "123", or "123.1-4:1" for an array job.
		id, _, _ := strings.Cut(strings.TrimSpace(out), ".")
		if !isJobID(id) {
			return "", fmt.Errorf("qsub printed %q, not a job ID", strings.TrimSpace(out))
		}
		return id, nil
	},
	cancel: []string{"qdel"},
	gone:   func(err error) bool { return strings.Contains(err.Error(), "does not exist") },
	active: func(ctx context.Context, ids []string) (map[string]bool, error) {
		out, err := run(ctx, "", "qstat")
		if err != nil {
			return nil, err
		}
		return parseQstat(out), nil
	},
	logFile: func(cfg *Config, id string) string {
		return filepath.Join(cfg.LogDirectory, cfg.Name+".o"+id)
	},
}

// parseQstat reads Grid Engine's qstat table: the jobs listed, and whether
// each may still run. A job in an error state (Eqw) waits for a person to
// clear it: it counts as ended.
func parseQstat(out string) map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		// job-ID prior name user state submit/start-at queue slots ja-task-ID
		f := strings.Fields(sc.Text())
		if len(f) < 5 || !isJobID(f[0]) {
			continue // the header and its rule
		}
		m[f[0]] = !strings.Contains(f[4], "E")
	}
	return m
}

func isJobID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// clock formats a walltime as hours:minutes:seconds, as both systems read
// it, rounded up to the second.
func clock(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// run runs a batch system's command with stdin (if not empty) and returns
// what it printed; its error says what it printed on standard error.
func run(ctx context.Context, stdin string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		var ee *exec.ExitError
		switch {
		case msg == "" || !errors.As(err, &ee):
		case strings.HasPrefix(msg, name+":"): // "sbatch: error: ..."
			return "", errors.New(msg)
		default:
			return "", fmt.Errorf("%s: %s", name, msg)
		}
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return stdout.String(), nil
}

// shellQuote quotes s for a POSIX shell, unless it needs no quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
