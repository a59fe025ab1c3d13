package allocation

import (
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"testing"
)

const (
	gib = 1 << 30
	v2  = "0::/"
)

// machine describes a fake process environment for Compute.
type machine struct {
	numCPU   int
	affinity int
	physical int64
	env      map[string]string
	files    map[string]string
}

func (m machine) inputs() Inputs {
	return Inputs{
		NumCPU:   m.numCPU,
		Affinity: m.affinity,
		Env: func(k string) (string, bool) {
			v, ok := m.env[k]
			return v, ok
		},
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := m.files[p]; ok {
				return []byte(s), nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
		PhysicalMemory: m.physical,
	}
}

// files merges maps of fake files.
func files(ms ...map[string]string) map[string]string {
	all := map[string]string{}
	for _, m := range ms {
		maps.Copy(all, m)
	}
	return all
}

// inCgroup puts the process in the cgroup v2 p.
func inCgroup(p string) map[string]string {
	return map[string]string{"/proc/self/cgroup": "0::" + p + "\n"}
}

func TestComputeCPUs(t *testing.T) {
	tests := []struct {
		name   string
		m      machine
		want   int
		source Source
	}{
		{"nothing known", machine{numCPU: 8}, 8, SourceNode},
		{"zero NumCPU is one", machine{}, 1, SourceNode},
		{"negative NumCPU is one", machine{numCPU: -3}, 1, SourceNode},

		// Affinity.
		{"affinity below node", machine{numCPU: 128, affinity: 4}, 4, SourceAffinity},
		{"affinity ties NumCPU, online unknown", machine{numCPU: 4, affinity: 4}, 4, SourceAffinity},
		{"affinity ties NumCPU, below online", machine{numCPU: 4, affinity: 4,
			files: map[string]string{onlinePath: "0-127\n"}}, 4, SourceAffinity},
		{"affinity covers online CPUs", machine{numCPU: 128, affinity: 128,
			files: map[string]string{onlinePath: "0-63,64-127\n"}}, 128, SourceNode},
		{"affinity above NumCPU", machine{numCPU: 8, affinity: 16}, 8, SourceNode},
		{"malformed online file", machine{numCPU: 8, affinity: 8,
			files: map[string]string{onlinePath: "0-x"}}, 8, SourceAffinity},

		// cgroup v2.
		{"v2 quota", machine{numCPU: 64, files: files(inCgroup("/job"),
			map[string]string{"/sys/fs/cgroup/job/cpu.max": "200000 100000\n"})}, 2, SourceCgroup},
		{"v2 fractional quota rounds up", machine{numCPU: 64, files: files(inCgroup("/job"),
			map[string]string{"/sys/fs/cgroup/job/cpu.max": "150000 100000\n"})}, 2, SourceCgroup},
		{"v2 tiny quota is one CPU", machine{numCPU: 64, files: files(inCgroup("/job"),
			map[string]string{"/sys/fs/cgroup/job/cpu.max": "5000 100000\n"})}, 1, SourceCgroup},
		{"v2 max", machine{numCPU: 64, files: files(inCgroup("/job"),
			map[string]string{"/sys/fs/cgroup/job/cpu.max": "max 100000\n"})}, 64, SourceNode},
		{"v2 quota above node", machine{numCPU: 4, files: files(inCgroup("/job"),
			map[string]string{"/sys/fs/cgroup/job/cpu.max": "800000 100000\n"})}, 4, SourceNode},
		{"v2 root cgroup", machine{numCPU: 64, files: files(inCgroup("/"),
			map[string]string{"/sys/fs/cgroup/cpu.max": "300000 100000\n"})}, 3, SourceCgroup},
		{"v2 parent limits", machine{numCPU: 64, files: files(inCgroup("/a/b/c"),
			map[string]string{
				"/sys/fs/cgroup/a/b/c/cpu.max": "max 100000",
				"/sys/fs/cgroup/a/b/cpu.max":   "300000 100000",
				"/sys/fs/cgroup/a/cpu.max":     "800000 100000",
			})}, 3, SourceCgroup},
		{"v2 grandparent limits", machine{numCPU: 64, files: files(inCgroup("/a/b/c"),
			map[string]string{
				"/sys/fs/cgroup/a/b/c/cpu.max": "1600000 100000",
				"/sys/fs/cgroup/a/cpu.max":     "500000 100000",
			})}, 5, SourceCgroup},
		{"v2 leaf below parents", machine{numCPU: 64, files: files(inCgroup("/a/b"),
			map[string]string{
				"/sys/fs/cgroup/a/b/cpu.max": "100000 100000",
				"/sys/fs/cgroup/a/cpu.max":   "500000 100000",
			})}, 1, SourceCgroup},
		{"v2 sibling ignored", machine{numCPU: 64, files: files(inCgroup("/a/b"),
			map[string]string{"/sys/fs/cgroup/a/x/cpu.max": "100000 100000"})}, 64, SourceNode},
		{"v2 hybrid layout", machine{numCPU: 64, files: files(inCgroup("/job"),
			map[string]string{"/sys/fs/cgroup/unified/job/cpu.max": "200000 100000"})}, 2, SourceCgroup},

		// cgroup v1.
		{"v1 cpu,cpuacct", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup": "5:memory:/slurm/job_7\n4:cpu,cpuacct:/slurm/job_7\n0::/\n",
			"/sys/fs/cgroup/cpu,cpuacct/slurm/job_7/cpu.cfs_quota_us":  "400000\n",
			"/sys/fs/cgroup/cpu,cpuacct/slurm/job_7/cpu.cfs_period_us": "100000\n",
		}}, 4, SourceCgroup},
		{"v1 cpu alone", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":                        "2:cpuacct:/\n1:cpu:/box\n",
			"/sys/fs/cgroup/cpu/box/cpu.cfs_quota_us":  "250000",
			"/sys/fs/cgroup/cpu/box/cpu.cfs_period_us": "100000",
		}}, 3, SourceCgroup},
		{"v1 no quota", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":                        "1:cpu:/box\n",
			"/sys/fs/cgroup/cpu/box/cpu.cfs_quota_us":  "-1",
			"/sys/fs/cgroup/cpu/box/cpu.cfs_period_us": "100000",
		}}, 64, SourceNode},
		{"v1 parent limits", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":                        "1:cpu:/box/inner\n",
			"/sys/fs/cgroup/cpu/box/cpu.cfs_quota_us":  "200000",
			"/sys/fs/cgroup/cpu/box/cpu.cfs_period_us": "100000",
		}}, 2, SourceCgroup},
		{"v1 line without cpu is not read", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup": "2:cpuacct:/box\n",
			"/sys/fs/cgroup/cpu,cpuacct/box/cpu.cfs_quota_us":  "200000",
			"/sys/fs/cgroup/cpu,cpuacct/box/cpu.cfs_period_us": "100000",
		}}, 64, SourceNode},

		// mountinfo.
		{"mountinfo hybrid", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup": "1:cpu:/\n0::/job\n",
			"/proc/self/mountinfo": "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n" +
				"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" +
				"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n",
			"/sys/fs/cgroup/unified/job/cpu.max": "200000 100000",
		}}, 2, SourceCgroup},
		{"mountinfo container root", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":      "0::/docker/abc\n",
			"/proc/self/mountinfo":   "40 30 0:38 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n",
			"/sys/fs/cgroup/cpu.max": "300000 100000",
		}}, 3, SourceCgroup},
		{"mountinfo container below root", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":           "0::/docker/abc/init\n",
			"/proc/self/mountinfo":        "40 30 0:38 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n",
			"/sys/fs/cgroup/init/cpu.max": "300000 100000",
			"/sys/fs/cgroup/cpu.max":      "200000 100000",
		}}, 2, SourceCgroup},
		{"mountinfo root elsewhere", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":      "0::/other\n",
			"/proc/self/mountinfo":   "40 30 0:38 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n",
			"/sys/fs/cgroup/cpu.max": "300000 100000",
		}}, 64, SourceNode},
		{"mountinfo escaped mount point", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":           "0::/job\n",
			"/proc/self/mountinfo":        `50 1 0:40 / /mnt/my\040cgroups rw - cgroup2 none rw` + "\n",
			"/mnt/my cgroups/job/cpu.max": "400000 100000",
		}}, 4, SourceCgroup},
		{"mountinfo v1 cpu,cpuacct", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":             "3:cpuacct,cpu:/job\n",
			"/proc/self/mountinfo":          "32 31 0:29 / /cg/cpu rw master:3 shared:4 - cgroup cgroup rw,cpuacct,cpu\n",
			"/cg/cpu/job/cpu.cfs_quota_us":  "100000",
			"/cg/cpu/job/cpu.cfs_period_us": "50000",
		}}, 2, SourceCgroup},
		{"outside cgroup namespace", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":           "0::/../init\n",
			"/sys/fs/cgroup/cpu.max":      "100000 100000",
			"/sys/fs/cgroup/init/cpu.max": "100000 100000",
		}}, 64, SourceNode},

		// Malformed cgroup files are not limits.
		{"malformed cpu.max", machine{numCPU: 64, files: files(inCgroup("/a/b/c/d/e/f"),
			map[string]string{
				"/sys/fs/cgroup/a/b/c/d/e/f/cpu.max": "garbage",
				"/sys/fs/cgroup/a/b/c/d/e/cpu.max":   "200000",
				"/sys/fs/cgroup/a/b/c/d/cpu.max":     "0 100000",
				"/sys/fs/cgroup/a/b/c/cpu.max":       "-5 100000",
				"/sys/fs/cgroup/a/b/cpu.max":         "200000 0",
				"/sys/fs/cgroup/a/cpu.max":           "200000 100000 7",
				"/sys/fs/cgroup/cpu.max":             "",
			})}, 64, SourceNode},
		{"malformed v1 quota", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":                        "1:cpu:/box\n",
			"/sys/fs/cgroup/cpu/box/cpu.cfs_quota_us":  "lots",
			"/sys/fs/cgroup/cpu/box/cpu.cfs_period_us": "100000",
			"/sys/fs/cgroup/cpu/cpu.cfs_quota_us":      "100000",
			"/sys/fs/cgroup/cpu/cpu.cfs_period_us":     "",
		}}, 64, SourceNode},
		{"malformed /proc/self/cgroup", machine{numCPU: 64, files: map[string]string{
			"/proc/self/cgroup":          "nonsense\n::\n0::relative\n:::::\n\n",
			"/sys/fs/cgroup/cpu.max":     "100000 100000",
			"/sys/fs/cgroup/job/cpu.max": "100000 100000",
		}}, 64, SourceNode},
		{"malformed mountinfo falls back", machine{numCPU: 64, files: files(inCgroup("/job"),
			map[string]string{
				"/proc/self/mountinfo":       "garbage\n1 2 3\n40 30 0:38 rel /x - cgroup2 c rw\n",
				"/sys/fs/cgroup/job/cpu.max": "200000 100000",
			})}, 2, SourceCgroup},

		// Batch systems.
		{"slurm cpus per task", machine{numCPU: 128, env: map[string]string{
			"SLURM_CPUS_PER_TASK": "4", "SLURM_CPUS_ON_NODE": "32"}}, 4, SourceSLURM},
		{"slurm tasks per node", machine{numCPU: 128, env: map[string]string{
			"SLURM_CPUS_ON_NODE": "32", "SLURM_NTASKS_PER_NODE": "4", "SLURM_NTASKS": "2", "SLURM_NNODES": "1"}},
			8, SourceSLURM},
		{"slurm tasks on one node", machine{numCPU: 128, env: map[string]string{
			"SLURM_CPUS_ON_NODE": "32", "SLURM_NTASKS": "2", "SLURM_NNODES": "1"}}, 16, SourceSLURM},
		{"slurm tasks on one node, new name", machine{numCPU: 128, env: map[string]string{
			"SLURM_CPUS_ON_NODE": "32", "SLURM_NTASKS": "4", "SLURM_JOB_NUM_NODES": "1"}}, 8, SourceSLURM},
		{"slurm tasks on many nodes", machine{numCPU: 128, env: map[string]string{
			"SLURM_CPUS_ON_NODE": "32", "SLURM_NTASKS": "2", "SLURM_NNODES": "2"}}, 32, SourceSLURM},
		{"slurm more tasks than cpus", machine{numCPU: 128, env: map[string]string{
			"SLURM_CPUS_ON_NODE": "2", "SLURM_NTASKS_PER_NODE": "4"}}, 1, SourceSLURM},
		{"slurm job cpus per node", machine{numCPU: 128, env: map[string]string{
			"SLURM_JOB_CPUS_PER_NODE": "4"}}, 4, SourceSLURM},
		{"slurm job cpus per node repeated", machine{numCPU: 128, env: map[string]string{
			"SLURM_JOB_CPUS_PER_NODE": "4(x2)"}}, 4, SourceSLURM},
		{"slurm job cpus per node list", machine{numCPU: 128, env: map[string]string{
			"SLURM_JOB_CPUS_PER_NODE": "2,4(x3)"}}, 2, SourceSLURM},
		{"slurm malformed cpus per task falls through", machine{numCPU: 128, env: map[string]string{
			"SLURM_CPUS_PER_TASK": "four", "SLURM_CPUS_ON_NODE": "6"}}, 6, SourceSLURM},
		{"slurm all malformed", machine{numCPU: 128, env: map[string]string{
			"SLURM_CPUS_PER_TASK": "", "SLURM_CPUS_ON_NODE": "-6", "SLURM_JOB_CPUS_PER_NODE": "(x2)"}},
			128, SourceNode},
		{"slurm above node", machine{numCPU: 8, env: map[string]string{
			"SLURM_CPUS_PER_TASK": "16"}}, 8, SourceNode},
		{"torque", machine{numCPU: 128, env: map[string]string{"PBS_NUM_PPN": "6"}}, 6, SourcePBS},
		{"pbs pro", machine{numCPU: 128, env: map[string]string{"NCPUS": "6", "PBS_JOBID": "1.pbs"}},
			6, SourcePBS},
		{"NCPUS outside pbs", machine{numCPU: 128, env: map[string]string{"NCPUS": "6"}}, 128, SourceNode},
		{"sge", machine{numCPU: 128, env: map[string]string{"NSLOTS": "3"}}, 3, SourceSGE},
		{"lsf", machine{numCPU: 128, env: map[string]string{"LSB_DJOB_NUMPROC": "5"}}, 5, SourceLSF},
		{"OMP_NUM_THREADS ignored", machine{numCPU: 128, env: map[string]string{"OMP_NUM_THREADS": "1"}},
			128, SourceNode},
		{"smallest batch system wins", machine{numCPU: 128, env: map[string]string{
			"SLURM_CPUS_PER_TASK": "8", "NSLOTS": "3", "LSB_DJOB_NUMPROC": "5"}}, 3, SourceSGE},

		// Combinations: the minimum wins; on a tie the most specific.
		{"cgroup below slurm and affinity", machine{numCPU: 32, affinity: 6,
			env:   map[string]string{"SLURM_CPUS_PER_TASK": "8"},
			files: files(inCgroup("/job"), map[string]string{"/sys/fs/cgroup/job/cpu.max": "400000 100000"}),
		}, 4, SourceCgroup},
		{"affinity below cgroup and slurm", machine{numCPU: 32, affinity: 2,
			env:   map[string]string{"SLURM_CPUS_PER_TASK": "8"},
			files: files(inCgroup("/job"), map[string]string{"/sys/fs/cgroup/job/cpu.max": "400000 100000"}),
		}, 2, SourceAffinity},
		{"slurm ties cgroup and affinity", machine{numCPU: 4, affinity: 4,
			env:   map[string]string{"SLURM_CPUS_PER_TASK": "4"},
			files: files(inCgroup("/job"), map[string]string{"/sys/fs/cgroup/job/cpu.max": "400000 100000"}),
		}, 4, SourceSLURM},
		{"cgroup ties affinity", machine{numCPU: 4, affinity: 4,
			files: files(inCgroup("/job"), map[string]string{"/sys/fs/cgroup/job/cpu.max": "400000 100000"}),
		}, 4, SourceCgroup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(tt.m.inputs())
			if got.CPUs != tt.want || got.CPUSource != tt.source {
				t.Errorf("Compute(%+v) CPUs = %d (%s), want %d (%s)",
					tt.m, got.CPUs, got.CPUSource, tt.want, tt.source)
			}
		})
	}
}

func TestComputeMemory(t *testing.T) {
	const phys = 256 * gib
	tests := []struct {
		name   string
		m      machine
		want   int64
		source Source
	}{
		{"nothing known", machine{numCPU: 8}, 0, ""},
		{"physical", machine{numCPU: 8, physical: phys}, phys, SourceNode},
		{"v2 memory.max", machine{numCPU: 8, physical: phys, files: files(inCgroup("/job"),
			map[string]string{"/sys/fs/cgroup/job/memory.max": "4294967296\n"})}, 4 * gib, SourceCgroup},
		{"v2 max", machine{numCPU: 8, physical: phys, files: files(inCgroup("/job"),
			map[string]string{"/sys/fs/cgroup/job/memory.max": "max\n"})}, phys, SourceNode},
		{"v2 parent limits", machine{numCPU: 8, physical: phys, files: files(inCgroup("/a/b/c"),
			map[string]string{
				"/sys/fs/cgroup/a/b/c/memory.max": "max",
				"/sys/fs/cgroup/a/b/memory.max":   "4294967296",
				"/sys/fs/cgroup/a/memory.max":     "8589934592",
			})}, 4 * gib, SourceCgroup},
		{"v2 above physical", machine{numCPU: 8, physical: 2 * gib, files: files(inCgroup("/job"),
			map[string]string{"/sys/fs/cgroup/job/memory.max": "4294967296"})}, 2 * gib, SourceNode},
		{"v1 limit", machine{numCPU: 8, physical: phys, files: map[string]string{
			"/proc/self/cgroup": "4:memory:/slurm/job_1\n3:cpu,cpuacct:/slurm/job_1\n",
			"/sys/fs/cgroup/memory/slurm/job_1/memory.limit_in_bytes": "2147483648\n",
		}}, 2 * gib, SourceCgroup},
		{"v1 unlimited", machine{numCPU: 8, physical: phys, files: map[string]string{
			"/proc/self/cgroup": "4:memory:/box\n",
			"/sys/fs/cgroup/memory/box/memory.limit_in_bytes": "9223372036854771712\n",
			"/sys/fs/cgroup/memory/memory.limit_in_bytes":     "9223372036854771712\n",
		}}, phys, SourceNode},
		{"v1 parent limits", machine{numCPU: 8, physical: phys, files: map[string]string{
			"/proc/self/cgroup": "4:memory:/box/inner\n",
			"/sys/fs/cgroup/memory/box/inner/memory.limit_in_bytes": "9223372036854771712\n",
			"/sys/fs/cgroup/memory/box/memory.limit_in_bytes":       "1073741824\n",
		}}, gib, SourceCgroup},
		{"malformed memory files", machine{numCPU: 8, physical: phys, files: files(inCgroup("/a/b/c"),
			map[string]string{
				"/sys/fs/cgroup/a/b/c/memory.max": "lots",
				"/sys/fs/cgroup/a/b/memory.max":   "-1",
				"/sys/fs/cgroup/a/memory.max":     "99999999999999999999999",
				"/sys/fs/cgroup/memory.max":       "0",
			})}, phys, SourceNode},
		{"slurm mem per node", machine{numCPU: 8, physical: phys,
			env: map[string]string{"SLURM_MEM_PER_NODE": "4096"}}, 4 * gib, SourceSLURM},
		{"slurm mem per node shared by tasks", machine{numCPU: 8, physical: phys,
			env: map[string]string{"SLURM_MEM_PER_NODE": "16384", "SLURM_NTASKS_PER_NODE": "4"}},
			4 * gib, SourceSLURM},
		{"slurm mem per cpu times slurm cpus", machine{numCPU: 8, physical: phys,
			env: map[string]string{"SLURM_MEM_PER_CPU": "1024", "SLURM_CPUS_PER_TASK": "3"}},
			3 * gib, SourceSLURM},
		{"slurm mem per cpu times slurm cpus above node", machine{numCPU: 2, physical: phys,
			env: map[string]string{"SLURM_MEM_PER_CPU": "1024", "SLURM_CPUS_PER_TASK": "3"}},
			3 * gib, SourceSLURM},
		{"slurm mem per cpu without slurm cpus", machine{numCPU: 8, affinity: 2, physical: phys,
			env: map[string]string{"SLURM_MEM_PER_CPU": "1024"}}, 2 * gib, SourceSLURM},
		{"slurm mem per node before per cpu", machine{numCPU: 8, physical: phys,
			env: map[string]string{"SLURM_MEM_PER_NODE": "1024", "SLURM_MEM_PER_CPU": "4096"}},
			gib, SourceSLURM},
		{"slurm zero means no limit", machine{numCPU: 8, physical: phys,
			env: map[string]string{"SLURM_MEM_PER_NODE": "0", "SLURM_MEM_PER_CPU": "0"}}, phys, SourceNode},
		{"slurm malformed", machine{numCPU: 8, physical: phys,
			env: map[string]string{"SLURM_MEM_PER_NODE": "4G", "SLURM_MEM_PER_CPU": "huge"}}, phys, SourceNode},
		{"slurm overflow", machine{numCPU: 8, physical: phys,
			env: map[string]string{"SLURM_MEM_PER_NODE": "9223372036854775807"}}, phys, SourceNode},
		{"cgroup below slurm", machine{numCPU: 8, physical: phys,
			env:   map[string]string{"SLURM_MEM_PER_NODE": "8192"},
			files: files(inCgroup("/job"), map[string]string{"/sys/fs/cgroup/job/memory.max": "4294967296"}),
		}, 4 * gib, SourceCgroup},
		{"slurm ties cgroup", machine{numCPU: 8, physical: phys,
			env:   map[string]string{"SLURM_MEM_PER_NODE": "4096"},
			files: files(inCgroup("/job"), map[string]string{"/sys/fs/cgroup/job/memory.max": "4294967296"}),
		}, 4 * gib, SourceSLURM},
		{"memory ignores cpu hierarchy", machine{numCPU: 8, physical: phys, files: map[string]string{
			"/proc/self/cgroup": "4:cpu:/box\n",
			"/sys/fs/cgroup/memory/box/memory.limit_in_bytes": "1073741824\n",
		}}, phys, SourceNode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(tt.m.inputs())
			if got.Memory != tt.want || got.MemorySource != tt.source {
				t.Errorf("Compute(%+v) Memory = %d (%q), want %d (%q)",
					tt.m, got.Memory, got.MemorySource, tt.want, tt.source)
			}
		})
	}
}

func TestComputeNilFuncs(t *testing.T) {
	got := Compute(Inputs{NumCPU: 3, Affinity: 2, PhysicalMemory: gib})
	want := Allocation{CPUs: 2, CPUSource: SourceAffinity, Memory: gib, MemorySource: SourceNode}
	if got != want {
		t.Errorf("Compute(no env, no files) = %+v, want %+v", got, want)
	}
}

// TestComputeModel checks Compute against a simple model: with one CPU
// limit of each kind present, the result is their minimum, reported by the
// most specific source among those equal to it.
func TestComputeModel(t *testing.T) {
	values := []int{0, 1, 2, 3, 8}
	for _, slurm := range values {
		for _, cg := range values {
			for _, aff := range values {
				for _, node := range values[1:] {
					m := machine{numCPU: node, affinity: aff, env: map[string]string{}, files: map[string]string{}}
					type offer struct {
						src Source
						n   int
					}
					offers := []offer{{SourceNode, node}}
					if slurm > 0 {
						m.env["SLURM_CPUS_PER_TASK"] = strconv.Itoa(slurm)
						offers = append(offers, offer{SourceSLURM, slurm})
					}
					if cg > 0 {
						m.files = files(inCgroup("/j"), map[string]string{"/sys/fs/cgroup/j/cpu.max": strconv.Itoa(cg) + "00000 100000"})
						offers = append(offers, offer{SourceCgroup, cg})
					}
					if aff > 0 {
						offers = append(offers, offer{SourceAffinity, aff})
					}
					rank := []Source{SourceSLURM, SourceCgroup, SourceAffinity, SourceNode}
					want := slices.MinFunc(offers, func(a, b offer) int {
						if a.n != b.n {
							return a.n - b.n
						}
						return slices.Index(rank, a.src) - slices.Index(rank, b.src)
					})
					got := Compute(m.inputs())
					if got.CPUs != want.n || got.CPUSource != want.src {
						t.Errorf("Compute(slurm %d, cgroup %d, affinity %d, node %d) = %d (%s), want %d (%s)",
							slurm, cg, aff, node, got.CPUs, got.CPUSource, want.n, want.src)
					}
				}
			}
		}
	}
}

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 1, true},
		{"0-127\n", 128, true},
		{"0,2-5,7", 6, true},
		{"", 0, false},
		{"3-1", 0, false},
		{"-1", 0, false},
		{"0-", 0, false},
		{"a", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseCPUList(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseCPUList(%q) = %d, %v, want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAllocationString(t *testing.T) {
	tests := []struct {
		a    Allocation
		want string
	}{
		{Allocation{CPUs: 4, CPUSource: SourceSLURM, Memory: 16 * gib, MemorySource: SourceCgroup},
			"4 CPUs (slurm), 16 GiB memory (cgroup)"},
		{Allocation{CPUs: 1, CPUSource: SourceNode}, "1 CPU (node), unknown memory"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.a, got, tt.want)
		}
	}
}

// FuzzCompute feeds arbitrary text to every file and variable Compute
// parses, and checks that it neither panics nor leaves its bounds.
func FuzzCompute(f *testing.F) {
	f.Add("0::/job\n", "40 30 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "200000 100000", "4", "0-7")
	f.Add("1:cpu:/box\n", "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", "-1", "2(x3)", "0,2")
	f.Add("0::/../x\n", `1 2 3 /a\040b /m\1 - cgroup2`, "max 100000", "", "")
	f.Fuzz(func(t *testing.T, cgroup, mountinfo, limit, env, online string) {
		const numCPU, phys = 16, 64 << 30
		m := machine{numCPU: numCPU, affinity: 8, physical: phys,
			env: map[string]string{},
			files: map[string]string{
				"/proc/self/cgroup":    cgroup,
				"/proc/self/mountinfo": mountinfo,
				onlinePath:             online,
			},
		}
		for _, k := range []string{"SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE", "SLURM_NTASKS_PER_NODE",
			"SLURM_JOB_CPUS_PER_NODE", "SLURM_MEM_PER_NODE", "SLURM_MEM_PER_CPU", "PBS_NUM_PPN", "NSLOTS"} {
			m.env[k] = env
		}
		// Put the limit in every directory the cgroup paths could name.
		for _, dir := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/job", "/sys/fs/cgroup/cpu/box"} {
			for _, name := range []string{"cpu.max", "memory.max", "cpu.cfs_quota_us", "memory.limit_in_bytes"} {
				m.files[dir+"/"+name] = limit
			}
			m.files[dir+"/cpu.cfs_period_us"] = "100000"
		}
		a := Compute(m.inputs())
		if a.CPUs < 1 || a.CPUs > numCPU || a.CPUSource == "" {
			t.Errorf("Compute() CPUs = %d (%q), want 1..%d with a source", a.CPUs, a.CPUSource, numCPU)
		}
		if a.Memory < 1 || a.Memory > phys || a.MemorySource == "" {
			t.Errorf("Compute() Memory = %d (%q), want 1..%d with a source", a.Memory, a.MemorySource, int64(phys))
		}
	})
}
