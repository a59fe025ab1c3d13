package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A site's directory, a user's, $GASK_CONFIG and the environment, each
// overriding the one before key by key.
func TestLoadFromMergesInOrder(t *testing.T) {
	dir := t.TempDir()
	site, user, extra := filepath.Join(dir, "etc"), filepath.Join(dir, "user"), filepath.Join(dir, "extra.yaml")
	write(t, filepath.Join(site, "a.yaml"), `
jobqueue:
  slurm:
    queue: regular
    account: physics
    cores: 8
    memory: 32GiB
    walltime: "02:00:00"
    job-script-prologue: ["module load gcc", "module load go"]
scheduler:
  work-stealing: true
`)
	write(t, filepath.Join(site, "b.yml"), "jobqueue:\n  slurm:\n    cores: 16\n") // after a.yaml
	write(t, filepath.Join(site, "notes.txt"), "not: [yaml")                       // not read
	write(t, filepath.Join(user, "jobqueue.yaml"), "jobqueue:\n  slurm:\n    account: astro\n    job-script-prologue: [\"source ~/env\"]\n  sge:\n    walltime: 30m\n")
	write(t, extra, "scheduler:\n  port: 9000\n")
	cfg, err := LoadFrom([]string{site, user, filepath.Join(dir, "missing"), extra}, []string{
		"GASK_SCHEDULER__WORK_STEALING=false",
		"GASK_JOBQUEUE__SLURM__QUEUE=debug",
		"GASK_JOBQUEUE__SLURM__LOG_DIRECTORY=/shared/logs",
		"GASK_CONFIG=" + extra, // not a key
		"GASK_WORKER=1",        // nor this
		"HOME=/root",
	})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Jobqueue.SLURM
	if s.Queue != "debug" || s.Account != "astro" || s.Cores != 16 || s.Memory != 32<<30 || time.Duration(s.Walltime) != 2*time.Hour ||
		s.LogDirectory != "/shared/logs" || len(s.Prologue) != 1 || s.Prologue[0] != "source ~/env" {
		t.Errorf("jobqueue.slurm = %+v", s)
	}
	if time.Duration(cfg.Jobqueue.SGE.Walltime) != 30*time.Minute {
		t.Errorf("jobqueue.sge.walltime = %v", time.Duration(cfg.Jobqueue.SGE.Walltime))
	}
	if ws := cfg.Scheduler.WorkStealing; ws == nil || *ws || cfg.Scheduler.Port == nil || *cfg.Scheduler.Port != 9000 {
		t.Errorf("scheduler = %+v (work-stealing %v)", cfg.Scheduler, ws)
	}
}

// Values keep the text they were written with, in files and variables:
// numeric-looking accounts and queues are strings.
func TestLoadFromKeepsText(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yaml"), "jobqueue:\n  slurm:\n    account: 0123\n    queue: 1e3\n    name: \"1.10\"\n    job-script-prologue: [010]\n")
	cfg, err := LoadFrom([]string{dir}, []string{"GASK_JOBQUEUE__SGE__ACCOUNT=2024-01-02", "GASK_JOBQUEUE__SGE__LOG_DIRECTORY=007",
		"GASK_JOBQUEUE__SGE__JOB_EXTRA_DIRECTIVES=[-pe smp 4, 0x10]", "GASK_JOBQUEUE__SGE__CORES=4"})
	if err != nil {
		t.Fatal(err)
	}
	s, g := cfg.Jobqueue.SLURM, cfg.Jobqueue.SGE
	if s.Account != "0123" || s.Queue != "1e3" || s.Name != "1.10" || len(s.Prologue) != 1 || s.Prologue[0] != "010" {
		t.Errorf("slurm %+v", s)
	}
	if g.Account != "2024-01-02" || g.LogDirectory != "007" || g.Cores != 4 || len(g.Directives) != 2 || g.Directives[1] != "0x10" {
		t.Errorf("sge %+v", g)
	}
}

func TestLoadFromNothing(t *testing.T) {
	cfg, err := LoadFrom([]string{filepath.Join(t.TempDir(), "none")}, nil)
	if err != nil || cfg.Scheduler.WorkStealing != nil || cfg.Jobqueue.SLURM.Cores != 0 {
		t.Errorf("LoadFrom(nothing) = %+v, %v; want all unset", cfg, err)
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	write(t, empty, "# nothing yet\n")
	if _, err := LoadFrom([]string{empty}, nil); err != nil {
		t.Errorf("an empty file: %v", err)
	}
}

func TestLoadFromErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		file, env string
		want      []string // in the error
	}{
		{file: "jobqueue:\n  slurm:\n    quue: debug\n", want: []string{"bad.yaml", "quue"}},
		{file: "jobqueue:\n  slurm:\n    cores: many\n", want: []string{"bad.yaml", "many"}},
		{file: "jobqueue:\n  slurm:\n    memory: lots\n", want: []string{"bad.yaml", "lots"}},
		{file: "jobqueue:\n  slurm:\n    walltime: soon\n", want: []string{"bad.yaml", "soon"}},
		{file: "jobqueue: [\n", want: []string{"bad.yaml"}},
		{file: "shceduler:\n  port: 1\n", want: []string{"shceduler"}},
		{env: "GASK_SCHEDULER__WORK_STEELING=false", want: []string{"GASK_SCHEDULER__WORK_STEELING", "scheduler.work_steeling", "work-steeling"}},
		{env: "GASK_SCHEDULER__PORT=http", want: []string{"GASK_SCHEDULER__PORT", "http"}},
		{env: "GASK_JOBQUEUE__SLURM__CORES__X=1", want: []string{"GASK_JOBQUEUE__SLURM__CORES__X"}},
	} {
		var paths, env []string
		if tc.file != "" {
			p := filepath.Join(dir, "bad.yaml")
			write(t, p, tc.file)
			paths = []string{p}
		}
		if tc.env != "" {
			env = []string{tc.env}
		}
		_, err := LoadFrom(paths, env)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("LoadFrom(%q, %q) = %v, want an error with %q", tc.file, tc.env, err, w)
				break
			}
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90s": 90 * time.Second, "2h30m": 150 * time.Minute, "02:30:00": 150 * time.Minute,
		"30:00": 30 * time.Minute, "48:00:00": 48 * time.Hour,
	} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "1:2:3:4", "1:-2", "a:00", ":30", "1 :30"} {
		if got, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", bad, got)
		}
	}
}

// Whatever a file holds, reading it gives a configuration or an error.
func FuzzParse(f *testing.F) {
	f.Add("jobqueue:\n  slurm:\n    cores: 8\n    memory: 32GiB\n    walltime: 01:00:00\n")
	f.Add("scheduler: {work-stealing: false, port: 8786}\n")
	f.Add("jobqueue: [\n")
	f.Fuzz(func(t *testing.T, text string) {
		if cfg, err := parse([]byte(text)); err == nil && cfg == nil {
			t.Fatal("no configuration and no error")
		}
	})
}
