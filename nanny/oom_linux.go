package nanny

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// oomKills reads how many processes the kernel's OOM killer has killed: in
// this process's cgroup (v2 memory.events), else on the whole machine
// (/proc/vmstat). A worker runs in its nanny's cgroup, so a rise in the
// count while a worker died of SIGKILL says the OOM killer did it.
func oomKills() (int64, bool) {
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if path, ok := strings.CutPrefix(line, "0::"); ok {
				if n, ok := counter("/sys/fs/cgroup"+strings.TrimSpace(path)+"/memory.events", "oom_kill"); ok {
					return n, true
				}
			}
		}
	}
	return counter("/proc/vmstat", "oom_kill")
}

func counter(file, name string) (int64, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if ok && k == name {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
