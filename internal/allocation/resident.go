package allocation

import (
	"os"
	"strconv"
	"strings"
)

// ResidentBytes is the resident memory of process pid (0: this process),
// from /proc/PID/statm on Linux; 0 where it cannot be read.
func ResidentBytes(pid int) int64 {
	path := "/proc/self/statm"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/statm"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
