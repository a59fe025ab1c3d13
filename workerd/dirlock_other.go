//go:build !unix || solaris || aix

package workerd

import "os"

// tryLock fails: without a lock, a live worker's spill directory could not
// be told from a leftover, so none is purged.
func tryLock(*os.File) error { return errNoDirLock }
