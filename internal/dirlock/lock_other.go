//go:build !unix || solaris || aix

package dirlock

import "os"

// tryLock fails: without a lock, a live process's directory could not be
// told from a leftover, so none is purged.
func tryLock(*os.File) error { return ErrUnsupported }
