//go:build !linux

package nanny

import "syscall"

// childAttr: without Linux's parent-death signal, an orphaned worker
// notices the lost scheduler connection and exits by itself.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
