// Command gask runs the parts of a gask cluster by hand:
//
//	gask scheduler [--host 127.0.0.1] [--port 8786]   a scheduler
//	gask worker tcp://127.0.0.1:8786 [flags]          a generic worker
//	gask version                                      versions
//
// A generic worker runs gask's built-in tasks (gask.Exec: shell commands,
// scripts, any program). To run your own Go functions, start workers from
// your own program, which calls gask.Main: `./yourprog worker ADDR`.
//
// main only wires flags to packages: the scheduler is package schedulerd,
// the worker role is gask.WorkerMain.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitError carries a process exit status out of a subcommand.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run runs the command line args and returns the exit status: 0, 1 for a
// failure, 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "gask",
		Short:         "gask: distributed computing for Go",
		Long:          "gask runs a cluster's scheduler and generic workers.\nUser programs serve as workers of their own functions with `yourprog worker ADDR`.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.CompletionOptions.DisableDefaultCmd = true
	root.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError{c, fmt.Errorf("unknown command %q", args[0])}
		}
		return nil
	}
	root.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{c, err} })
	root.AddCommand(schedulerCommand(stdout, stderr), workerCommand(stderr), versionCommand(stdout))

	err := root.Execute()
	var ee exitError
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", ue.cmd.CommandPath(), ue.err, ue.cmd.CommandPath())
		return 2
	}
	fmt.Fprintf(stderr, "gask: %v\n", err)
	return 1
}

// usageError is a command line that does not parse.
type usageError struct {
	cmd *cobra.Command
	err error
}

func (e usageError) Error() string { return e.err.Error() }

// noArgs rejects positional arguments as a usage error.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{c, fmt.Errorf("unexpected argument %q", args[0])}
	}
	return nil
}

// workerCommand hands its arguments, flags included, to gask.WorkerMain,
// the same worker role every gask program has.
func workerCommand(stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "worker <scheduler-address> [flags]",
		Short: "Run a generic worker (built-in command tasks); `gask worker -h` for its flags",
		Long: "Run a generic gask worker. It runs the tasks every gask program can run: gask.Exec command tasks.\n" +
			"Your own Go functions need workers started from your own program: `./yourprog worker ADDR`.",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := workerMain(args, stderr); code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
}
