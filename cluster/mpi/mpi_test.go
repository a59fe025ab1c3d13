package mpi_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/mpi"
)

func TestMain(m *testing.M) {
	gask.Main()
	goleak.VerifyTestMain(m)
}

var (
	square = gask.Func("mpitest.square", func(ctx context.Context, x int) (int, error) { return x * x, nil })
	// rankOf reports the rank a worker runs as, from its own environment.
	rankOf = gask.Func0("mpitest.rank", func(ctx context.Context) (string, error) {
		r, s, ok := mpi.Rank()
		return fmt.Sprintf("%d/%d/%v", r, s, ok), nil
	})
)

// TestLaunchHelper is every rank of a launch that the tests below start:
// not a test by itself.
func TestLaunchHelper(t *testing.T) {
	file := os.Getenv("GASK_TEST_MPI_FILE")
	if file == "" {
		t.Skip("a rank of a launch started by TestMpirun or TestSrun")
	}
	err := mpi.Run(t.Context(), mpi.Config{SchedulerFile: file, Interface: loopback(t), Timeout: 30 * time.Second},
		func(ctx context.Context, c *gask.Client) error {
			in := []int{1, 2, 3, 4, 5, 6, 7, 8}
			got, err := gask.Gather(ctx, square.Map(c, in))
			if err != nil {
				return err
			}
			for i, v := range got {
				if v != in[i]*in[i] {
					return fmt.Errorf("square(%d) = %d", in[i], v)
				}
			}
			ranks, err := gask.Run(ctx, c, rankOf)
			if err != nil {
				return err
			}
			var lines []string
			for name, r := range ranks {
				lines = append(lines, name+"="+r)
			}
			slices.Sort(lines)
			fmt.Printf("launch ok: %s\n", strings.Join(lines, " "))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
}

func loopback(t *testing.T) string {
	if _, err := os.Stat("/sys/class/net/lo"); err == nil {
		return "lo"
	}
	t.Skip("no interface named lo")
	return ""
}

// launch runs a launcher command over this test binary's helper, and
// checks that rank 1's work saw both workers, each at its rank.
func launch(t *testing.T, name string, args []string, env ...string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "scheduler.json")
	// An earlier launch's file, of a scheduler long gone: the ranks wait
	// for rank 0's instead of dialling it.
	if err := os.WriteFile(file, []byte(`{"launch":"an-earlier-one","address":"tcp://127.0.0.1:1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, append(args, exe, "-test.run=^TestLaunchHelper$", "-test.v")...)
	cmd.Env = append(append(os.Environ(), "GASK_TEST_MPI_FILE="+file), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	if !strings.Contains(string(out), "launch ok: mpi-rank-2=2/4/true mpi-rank-3=3/4/true\n") {
		t.Errorf("rank 1 did not report both workers at their ranks:\n%s", out)
	}
	if left, _ := filepath.Glob(file + "*"); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// need skips where the launcher is missing, unless variable says it must
// be there.
func need(t *testing.T, launcher, variable string) {
	if _, err := exec.LookPath(launcher); err != nil {
		if os.Getenv(variable) == "1" {
			t.Fatalf("%s=1 but there is no %s", variable, launcher)
		}
		t.Skipf("no %s here", launcher)
	}
}

// TestMpirun launches 4 ranks with Open MPI's mpirun: a scheduler, a
// client and two workers, which compute and end; every rank exits 0.
func TestMpirun(t *testing.T) {
	need(t, "mpirun", "GASK_TEST_MPI")
	launch(t, "mpirun", []string{"-np", "4", "--bind-to", "none"},
		// Root on 2 CPUs, and everything on loopback.
		"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "OMPI_MCA_rmaps_base_oversubscribe=1",
		"OMPI_MCA_oob_tcp_if_include=lo", "OMPI_MCA_btl_tcp_if_include=lo")
}

// TestSrun launches the same 4 ranks as a SLURM job step.
func TestSrun(t *testing.T) {
	need(t, "srun", "GASK_TEST_SLURM")
	launch(t, "srun", []string{"-n", "4", "--overcommit", "--quiet"})
}

func TestRankOutsideALaunch(t *testing.T) {
	for _, k := range []string{"OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_STEP_ID"} {
		if _, ok := os.LookupEnv(k); ok {
			t.Skip("inside a launch")
		}
	}
	if _, _, ok := mpi.Rank(); ok {
		t.Error("Rank() ok outside a launch")
	}
	if err := mpi.Run(t.Context(), mpi.Config{}, nil); err == nil || !strings.Contains(err.Error(), "not started by an MPI launcher") {
		t.Errorf("Run outside a launch = %v", err)
	}
}
