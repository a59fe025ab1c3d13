package allocation

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Source names the limit that decided a number in an Allocation.
type Source string

// The sources Compute consults.
const (
	SourceAffinity Source = "affinity" // the CPU affinity mask
	SourceCgroup   Source = "cgroup"   // a cgroup v1 or v2 limit
	SourceSLURM    Source = "slurm"    // SLURM's environment
	SourcePBS      Source = "pbs"      // PBS or Torque's environment
	SourceSGE      Source = "sge"      // Grid Engine's environment
	SourceLSF      Source = "lsf"      // LSF's environment
	SourceNode     Source = "node"     // runtime.NumCPU or the physical RAM
)

// Allocation is what this process may use.
type Allocation struct {
	// CPUs is the number of CPUs; it is at least 1.
	CPUs int
	// CPUSource is the source that decided CPUs.
	CPUSource Source
	// Memory is the number of bytes, or 0 if no source knew.
	Memory int64
	// MemorySource is the source that decided Memory, or "" if none did.
	MemorySource Source
}

// String describes a for a log line, for example
// "4 CPUs (slurm), 16 GiB memory (cgroup)".
func (a Allocation) String() string {
	mem := "unknown memory"
	if a.Memory > 0 {
		mem = fmt.Sprintf("%s memory (%s)", FormatBytes(a.Memory), a.MemorySource)
	}
	cpus := "CPUs"
	if a.CPUs == 1 {
		cpus = "CPU"
	}
	return fmt.Sprintf("%d %s (%s), %s", a.CPUs, cpus, a.CPUSource, mem)
}

// Inputs is everything Compute looks at. The zero value of each field means
// "unknown".
type Inputs struct {
	// NumCPU is the CPU ceiling, runtime.NumCPU() in Detect.
	NumCPU int
	// Affinity is the number of CPUs in the affinity mask, or 0.
	Affinity int
	// Env looks up an environment variable, as os.LookupEnv does. Nil means
	// an empty environment.
	Env func(string) (string, bool)
	// ReadFile reads a file, as os.ReadFile does. Compute reads
	// /proc/self/cgroup, /proc/self/mountinfo, files under the cgroup mounts
	// (normally /sys/fs/cgroup) and /sys/devices/system/cpu/online. Nil means
	// no file can be read.
	ReadFile func(path string) ([]byte, error)
	// PhysicalMemory is the node's RAM in bytes, or 0.
	PhysicalMemory int64
}

// onlinePath lists the node's online CPUs, as in "0-127" or "0,2-5".
const onlinePath = "/sys/devices/system/cpu/online"

// Compute combines the limits described by in: the smallest present limit
// wins, and on a tie the most specific source (batch system, cgroup,
// affinity, node) is reported. It never fails: a malformed file or variable
// is not a limit.
func Compute(in Inputs) Allocation {
	env := in.Env
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	read := in.ReadFile
	if read == nil {
		read = func(string) ([]byte, error) { return nil, fs.ErrNotExist }
	}
	cg := loadCgroups(read)

	// Offers are made from the most to the least specific source, so that
	// the first of equal limits is the one reported.
	var cpus limit
	batch := batchCPUs(env)
	for _, o := range batch {
		cpus.offer(o.source, int64(o.n))
	}
	cpus.offer(SourceCgroup, int64(cg.cpus()))
	if in.Affinity > 0 && !coversNode(in.Affinity, read) {
		cpus.offer(SourceAffinity, int64(in.Affinity))
	}
	cpus.offer(SourceNode, int64(max(in.NumCPU, 1)))

	a := Allocation{CPUs: int(cpus.value), CPUSource: cpus.source}

	var mem limit
	slurmCPUs := a.CPUs
	for _, o := range batch {
		if o.source == SourceSLURM {
			slurmCPUs = o.n
		}
	}
	mem.offer(SourceSLURM, slurmMemory(env, slurmCPUs))
	mem.offer(SourceCgroup, cg.memory())
	mem.offer(SourceNode, in.PhysicalMemory)
	a.Memory, a.MemorySource = mem.value, mem.source
	return a
}

// coversNode reports whether an affinity mask of n CPUs includes every
// online CPU, in which case it limits nothing and the node, not the mask,
// is the source to report. If the online CPUs are unknown, it reports false.
func coversNode(n int, read func(string) ([]byte, error)) bool {
	data, err := read(onlinePath)
	if err != nil {
		return false
	}
	online, ok := parseCPUList(string(data))
	return ok && n >= online
}

// parseCPUList counts the CPUs in a kernel CPU list such as "0-3,8,10-11".
func parseCPUList(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	n := 0
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return 0, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0, false
			}
		}
		n += b - a + 1
	}
	return n, true
}

// limit is the smallest positive value offered so far and its source.
type limit struct {
	value  int64
	source Source
}

// offer records v from src if v is positive and strictly below the current
// value, so that among equal offers the first one stands.
func (l *limit) offer(src Source, v int64) {
	if v > 0 && (l.value == 0 || v < l.value) {
		l.value, l.source = v, src
	}
}
