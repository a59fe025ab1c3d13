// Command testprog2 is a gask program that registers different functions
// from internal/testprog, for the integration tests of mismatched builds:
// `testprog2 worker <addr>` serves Double (and the built-in Exec), not
// testprog's Triple.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gask-dev/gask"
)

// Double is the function only this program registers.
var Double = gask.Func("testprog2.double", func(ctx context.Context, x int) (int, error) { return 2 * x, nil })

func main() {
	gask.Main()
	fmt.Fprintln(os.Stderr, "usage: testprog2 worker <scheduler-address>")
	os.Exit(2)
}
