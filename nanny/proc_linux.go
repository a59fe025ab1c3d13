package nanny

import "syscall"

// childAttr makes the kernel kill the worker if the nanny dies, so a
// crashed nanny never leaves an orphan worker behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
