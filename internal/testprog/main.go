// Command testprog is a gask program for the integration tests of package
// gask: `testprog worker <addr>` serves its functions; `testprog client
// <addr>` submits Triple(2) to the scheduler at addr and prints the result
// or the error. internal/testprog2 registers different functions, so the
// two are mismatched builds.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gask-dev/gask"
)

// Triple is the function only this program registers.
var Triple = gask.Func("testprog.triple", func(ctx context.Context, x int) (int, error) { return 3 * x, nil })

func main() {
	gask.Main()
	if len(os.Args) != 3 || os.Args[1] != "client" {
		fmt.Fprintln(os.Stderr, "usage: testprog client <scheduler-address> | testprog worker <scheduler-address>")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := gask.Connect(ctx, os.Args[2])
	if err != nil {
		fmt.Println("connect error:", err)
		os.Exit(1)
	}
	defer c.Close()
	v, err := Triple.Submit(c, gask.V(2)).Result(ctx)
	if err != nil {
		fmt.Printf("error: no-worker=%v: %v\n", errors.Is(err, gask.ErrNoWorker), err)
		return
	}
	fmt.Println("result:", v)
}
