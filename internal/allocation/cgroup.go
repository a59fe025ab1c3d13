package allocation

import (
	"path"
	"slices"
	"strconv"
	"strings"
)

// Where the kernel describes this process's cgroups.
const (
	procCgroup    = "/proc/self/cgroup"
	procMountinfo = "/proc/self/mountinfo"
)

// unlimited is the threshold above which a memory limit means "none": cgroup
// v1 reports no limit as a page-rounded 2^63-1.
const unlimited = 1 << 60

// maxCPUs caps a cgroup CPU quota so that it fits an int everywhere; a
// quota that large limits nothing anyway.
const maxCPUs = 1 << 30

// defaultMounts are the conventional cgroup mount points, used when
// /proc/self/mountinfo cannot be read or names no cgroup file system.
var defaultMounts = []cgroupMount{
	{v2: true, root: "/", point: "/sys/fs/cgroup"},
	{v2: true, root: "/", point: "/sys/fs/cgroup/unified"}, // hybrid layout
	{options: []string{"cpu", "cpuacct"}, root: "/", point: "/sys/fs/cgroup/cpu,cpuacct"},
	{options: []string{"cpu"}, root: "/", point: "/sys/fs/cgroup/cpu"},
	{options: []string{"memory"}, root: "/", point: "/sys/fs/cgroup/memory"},
}

// cgroupMount is a mounted cgroup file system, from one line of
// /proc/self/mountinfo.
type cgroupMount struct {
	v2      bool
	options []string // a v1 mount's super options, which name its controllers
	root    string   // the cgroup at the mount's root, "/" unless namespaced
	point   string   // where it is mounted
}

// membership is one line of /proc/self/cgroup: the cgroup this process
// belongs to in one hierarchy.
type membership struct {
	v2          bool
	controllers []string // v1 only
	path        string
}

// cgroupDir is a cgroup directory of this process and the mount point,
// above which its ancestors cannot be reached.
type cgroupDir struct {
	v2       bool
	dir, top string
}

// cgroups holds the directories that may limit this process's CPU and
// memory, and the reader that reads their files.
type cgroups struct {
	read    func(string) ([]byte, error)
	cpuDirs []cgroupDir
	memDirs []cgroupDir
}

// loadCgroups finds this process's cgroup directories. Anything it cannot
// read or parse is left out.
func loadCgroups(read func(string) ([]byte, error)) cgroups {
	cg := cgroups{read: read}
	data, err := read(procCgroup)
	if err != nil {
		return cg
	}
	members := parseMemberships(string(data))
	var mounts []cgroupMount
	if data, err := read(procMountinfo); err == nil {
		mounts = parseMounts(string(data))
	}
	if len(mounts) == 0 {
		mounts = defaultMounts
	}
	cg.cpuDirs = cgroupDirs(members, mounts, "cpu")
	cg.memDirs = cgroupDirs(members, mounts, "memory")
	return cg
}

// cpus returns the smallest CPU quota, rounded up, in this process's cgroups
// and their ancestors, or 0 if there is none.
func (cg cgroups) cpus() int {
	var l limit
	for _, d := range cg.cpuDirs {
		d.walk(func(dir string) {
			if d.v2 {
				l.offer(SourceCgroup, int64(parseCPUMax(cg.file(dir, "cpu.max"))))
			} else {
				l.offer(SourceCgroup, int64(quotaCPUs(
					cg.file(dir, "cpu.cfs_quota_us"), cg.file(dir, "cpu.cfs_period_us"))))
			}
		})
	}
	return int(l.value)
}

// memory returns the smallest memory limit in this process's cgroups and
// their ancestors, or 0 if there is none.
func (cg cgroups) memory() int64 {
	var l limit
	for _, d := range cg.memDirs {
		d.walk(func(dir string) {
			name := "memory.limit_in_bytes"
			if d.v2 {
				name = "memory.max"
			}
			l.offer(SourceCgroup, parseMemoryLimit(cg.file(dir, name)))
		})
	}
	return l.value
}

// file returns the trimmed contents of dir/name, or "" if it cannot be read.
func (cg cgroups) file(dir, name string) string {
	data, err := cg.read(path.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// walk calls fn for d.dir and each of its ancestors up to d.top.
func (d cgroupDir) walk(fn func(dir string)) {
	for dir := d.dir; ; dir = path.Dir(dir) {
		fn(dir)
		if dir == d.top || dir == path.Dir(dir) || !strings.HasPrefix(dir, d.top) {
			return
		}
	}
}

// parseCPUMax returns the CPUs a cgroup v2 cpu.max ("max 100000" or
// "200000 100000") allows, or 0 for no or a malformed limit.
func parseCPUMax(s string) int {
	quota, period, ok := strings.Cut(s, " ")
	if !ok || quota == "max" {
		return 0
	}
	return quotaCPUs(quota, period)
}

// quotaCPUs returns ceil(quota/period), or 0 if either is malformed or not
// positive (cgroup v1 writes -1 for no quota).
func quotaCPUs(quota, period string) int {
	q, err := strconv.ParseInt(strings.TrimSpace(quota), 10, 64)
	if err != nil || q <= 0 {
		return 0
	}
	p, err := strconv.ParseInt(strings.TrimSpace(period), 10, 64)
	if err != nil || p <= 0 {
		return 0
	}
	n := q / p
	if q%p != 0 {
		n++
	}
	return int(min(n, maxCPUs))
}

// parseMemoryLimit returns the bytes in memory.max or memory.limit_in_bytes,
// or 0 for "max", an effectively unlimited value or a malformed one.
func parseMemoryLimit(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= unlimited {
		return 0
	}
	return n
}

// parseMemberships parses /proc/self/cgroup: lines "id:controllers:path",
// where cgroup v2 is "0::path".
func parseMemberships(s string) []membership {
	var ms []membership
	for line := range strings.Lines(s) {
		f := strings.SplitN(strings.TrimRight(line, "\n"), ":", 3)
		if len(f) != 3 || !strings.HasPrefix(f[2], "/") {
			continue
		}
		m := membership{path: f[2]}
		if f[0] == "0" && f[1] == "" {
			m.v2 = true
		} else {
			m.controllers = strings.Split(f[1], ",")
		}
		ms = append(ms, m)
	}
	return ms
}

// parseMounts returns the cgroup file systems in /proc/self/mountinfo,
// whose lines read
//
//	36 35 98:0 /root /mount/point rw,noatime master:1 - cgroup cgroup rw,cpu,cpuacct
//
// with optional fields before the "-".
func parseMounts(s string) []cgroupMount {
	var mounts []cgroupMount
	for line := range strings.Lines(s) {
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+1 >= len(f) {
			continue
		}
		m := cgroupMount{root: unescapeMount(f[3]), point: path.Clean(unescapeMount(f[4]))}
		if !strings.HasPrefix(m.root, "/") || !strings.HasPrefix(m.point, "/") {
			continue
		}
		switch f[sep+1] {
		case "cgroup2":
			m.v2 = true
		case "cgroup":
			if sep+3 < len(f) {
				m.options = strings.Split(f[sep+3], ",")
			}
		default:
			continue
		}
		mounts = append(mounts, m)
	}
	return mounts
}

// unescapeMount undoes mountinfo's octal escapes ("\040" for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isOctal reports whether c is an octal digit.
func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// cgroupDirs returns the directories of the cgroups that this process
// belongs to and whose hierarchy has the controller ("cpu" or "memory").
func cgroupDirs(members []membership, mounts []cgroupMount, controller string) []cgroupDir {
	var dirs []cgroupDir
	for _, m := range members {
		if !m.v2 && !slices.Contains(m.controllers, controller) {
			continue
		}
		for _, mnt := range mounts {
			if mnt.v2 != m.v2 || (!m.v2 && !slices.Contains(mnt.options, controller)) {
				continue
			}
			rel, ok := relative(m.path, mnt.root)
			if !ok {
				continue
			}
			dirs = append(dirs, cgroupDir{v2: m.v2, dir: path.Join(mnt.point, rel), top: mnt.point})
		}
	}
	return dirs
}

// relative returns cgroup's path below a mount whose root is the cgroup
// root, or false if the mount cannot reach it: cgroup lies outside the
// mount's root, or outside this process's cgroup namespace ("/../x").
func relative(cgroup, root string) (string, bool) {
	var rel string
	switch {
	case root == "/":
		rel = cgroup
	case cgroup == root:
		rel = "/"
	case strings.HasPrefix(cgroup, root+"/"):
		rel = cgroup[len(root):]
	default:
		return "", false
	}
	if rel == "/.." || strings.HasPrefix(rel, "/../") {
		return "", false
	}
	return rel, true
}
