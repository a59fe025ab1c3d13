package jobqueue

import (
	"strings"
	"testing"
	"time"
)

func TestScript(t *testing.T) {
	base := Config{
		Name:           "analysis",
		Cores:          8,
		Memory:         32<<30 + 1, // rounded up to the MiB
		Walltime:       90*time.Minute + 500*time.Millisecond,
		Queue:          "regular",
		Account:        "physics",
		Directives:     []string{"--constraint=skylake"},
		Prologue:       []string{"module load gcc", "export OMP_NUM_THREADS=1"},
		LogDirectory:   "/shared/logs",
		LocalDirectory: "/local scratch",
		Command:        []string{"/shared/bin/my prog"},
		WorkerArgs:     []string{"--resources", "GPU=1"},
	}
	for _, tc := range []struct {
		sys      System
		want     string
		insecure bool
	}{
		{SLURM, `#!/bin/sh
#SBATCH -J analysis
#SBATCH -o /shared/logs/analysis-%j.out
#SBATCH -n 1
#SBATCH --cpus-per-task=8
#SBATCH --mem=32769M
#SBATCH -t 01:30:01
#SBATCH -p regular
#SBATCH -A physics
#SBATCH --constraint=skylake

module load gcc
export OMP_NUM_THREADS=1
export GASK_WORKER=1
exec '/shared/bin/my prog' worker tls://login1:8786 --name "analysis-$SLURM_JOB_ID" --nthreads 8 --memory-limit 34359738369 --tls-ca-file /shared/logs/.gask-tls-analysis-XXXXXX/ca.pem --tls-cert /shared/logs/.gask-tls-analysis-XXXXXX/cert.pem --tls-key /shared/logs/.gask-tls-analysis-XXXXXX/key.pem --tls-any-host --listen tls://:0 --nanny --local-directory '/local scratch' --resources GPU=1
`, false},
		{SGE, `#!/bin/sh
#$ -N analysis
#$ -S /bin/sh
#$ -o /shared/logs/
#$ -j y
#$ -l h_rt=01:30:01
#$ -q regular
#$ -A physics
#$ --constraint=skylake

module load gcc
export OMP_NUM_THREADS=1
export GASK_WORKER=1
exec '/shared/bin/my prog' worker tcp://login1:8786 --name "analysis-$JOB_ID" --nthreads 8 --memory-limit 34359738369 --listen tcp://:0 --nanny --local-directory '/local scratch' --resources GPU=1
`, true},
	} {
		cfg := base
		cfg.System, cfg.Insecure = tc.sys, tc.insecure
		got, err := Script(cfg, "tcp://login1:8786")
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%v script:\n%s\nwant:\n%s", tc.sys, got, tc.want)
		}
	}
}

func TestScriptDefaults(t *testing.T) {
	got, err := Script(Config{System: SLURM, NoNanny: true}, "tcp://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#SBATCH -J gask-worker\n", "--cpus-per-task=1\n", "--memory-limit auto", `--name "gask-worker-$SLURM_JOB_ID"`} {
		if !strings.Contains(got, want) {
			t.Errorf("script lacks %q:\n%s", want, got)
		}
	}
	for _, absent := range []string{"--mem=", "-t ", "-p ", "-A ", "--nanny", "--listen"} {
		if strings.Contains(got, absent) {
			t.Errorf("script has %q:\n%s", absent, got)
		}
	}
}

func TestScriptInterface(t *testing.T) {
	got, err := Script(Config{System: SGE, Interface: "ib0", Insecure: true}, "tcp://10.1.2.3:8786")
	if err != nil || !strings.Contains(got, " --listen tcp://:0 --interface ib0 --nanny\n") {
		t.Errorf("script with an interface (%v):\n%s", err, got)
	}
}

func TestDefaultLifetime(t *testing.T) {
	for walltime, want := range map[time.Duration]time.Duration{
		0:                0,
		10 * time.Minute: 9 * time.Minute,
		2 * time.Hour:    2*time.Hour - 5*time.Minute,
	} {
		cfg, err := Config{System: SLURM, Walltime: walltime}.withDefaults()
		if err != nil || cfg.Lifetime != want {
			t.Errorf("walltime %v: lifetime %v (%v), want %v", walltime, cfg.Lifetime, err, want)
		}
	}
	cfg, _ := Config{System: SLURM, Walltime: time.Hour, Lifetime: -1}.withDefaults()
	if cfg.Lifetime >= 0 {
		t.Errorf("Lifetime -1 became %v", cfg.Lifetime)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain-1.2/x:y=z,w": "plain-1.2/x:y=z,w",
		"":                  "''",
		"a b":               "'a b'",
		"it's":              `'it'\''s'`,
		"$HOME":             "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseSqueue(t *testing.T) {
	got := parseSqueue("12 RUNNING\n13 PENDING\n14 COMPLETED\n15 CANCELLED\n\n16 COMPLETING\n17 TIMEOUT\nbad\n12_3 RUNNING\n")
	want := map[string]bool{"12": true, "13": true, "14": false, "15": false, "16": true, "17": false}
	if len(got) != len(want) {
		t.Fatalf("parseSqueue = %v, want %v", got, want)
	}
	for id, a := range want {
		if got[id] != a {
			t.Errorf("job %s active = %v, want %v", id, got[id], a)
		}
	}
}

func TestParseQstat(t *testing.T) {
	out := `job-ID  prior   name       user         state submit/start at     queue                          slots ja-task-ID
-----------------------------------------------------------------------------------------------------------------
      3 0.55500 gask-worke root         r     12/02/2026 03:01:02 all.q@vm                           1
      4 0.00000 gask-worke root         qw    12/02/2026 03:01:03                                    1
      5 0.00000 gask-worke root         Eqw   12/02/2026 03:01:03                                    1
`
	got := parseQstat(out)
	want := map[string]bool{"3": true, "4": true, "5": false}
	if len(got) != len(want) {
		t.Fatalf("parseQstat = %v, want %v", got, want)
	}
	for id, a := range want {
		if got[id] != a {
			t.Errorf("job %s active = %v, want %v", id, got[id], a)
		}
	}
}

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		sys     System
		out, id string
	}{
		{SLURM, "42\n", "42"}, {SLURM, "42;cluster2\n", "42"}, {SGE, "42\n", "42"}, {SGE, "42.1-4:1\n", "42"},
		{SLURM, "Submitted batch job 42\n", ""}, {SGE, "", ""},
	} {
		id, err := tc.sys.parseID(tc.out)
		if id != tc.id || (err != nil) != (tc.id == "") {
			t.Errorf("%v parseID(%q) = %q, %v; want %q", tc.sys, tc.out, id, err, tc.id)
		}
	}
}

// The batch systems' outputs are read with these parsers: whatever they
// print, the parsers list only job IDs.
func FuzzParsers(f *testing.F) {
	f.Add("12 RUNNING\n13 PENDING\n")
	f.Add("job-ID prior name user state\n---\n 3 0.5 w root r 12/02/2026 03:01:02 all.q@vm 1\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, m := range []map[string]bool{parseSqueue(out), parseQstat(out)} {
			for id := range m {
				if !isJobID(id) {
					t.Fatalf("job ID %q", id)
				}
			}
		}
		for _, sys := range []System{SLURM, SGE} {
			if id, err := sys.parseID(out); err == nil && !isJobID(id) {
				t.Fatalf("%v parseID(%q) = %q", sys, out, id)
			}
		}
	})
}
