package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/wire"
)

func versionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gask's version, protocol version and build",
		Args:  noArgs,
		Run: func(*cobra.Command, []string) {
			version := "(unknown)"
			if bi, ok := debug.ReadBuildInfo(); ok {
				version = bi.Main.Version
			}
			fmt.Fprintf(stdout, "gask %s (protocol %d, %s %s/%s)\nbuild %s\n",
				version, wire.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, gask.BuildID())
		},
	}
}

// workerMain is the worker role of every gask program.
var workerMain = gask.WorkerMain
