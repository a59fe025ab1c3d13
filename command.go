package gask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"syscall"

	"github.com/gask-dev/gask/internal/registry"
	"github.com/gask-dev/gask/wire"
)

// Cmd is a command to run as a task: a shell script, a Python program, any
// executable on the worker's machine.
type Cmd struct {
	Args []string // Args[0] is the program, looked up in PATH
	Env  []string // extra "KEY=value" entries added to the worker's environment
	Dir  string   // working directory; default the worker's
}

// CmdResult is what a command task produced.
type CmdResult struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// CommandError is a command that exited non-zero or could not start.
type CommandError struct {
	Args     []string
	ExitCode int    // -1 if it did not start or was killed by a signal
	Stderr   string // the end of its standard error
	Err      string
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("command %q exited with status %d", e.Args, e.ExitCode)
	if e.Err != "" {
		msg = fmt.Sprintf("command %q: %s", e.Args, e.Err)
	}
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// ErrorKind tells the worker runtime which kind of failure this is.
func (e *CommandError) ErrorKind() string { return wire.KindCommand }

// ErrorDetail encodes the error's fields for the client, which rebuilds
// it (TaskError.Unwrap).
func (e *CommandError) ErrorDetail() []byte {
	b, _ := json.Marshal(e)
	return b
}

// Exec is the built-in command task. Its second argument is fed to the
// command's standard input, so a command can consume the []byte result of a
// Go task; a Go task can consume the CmdResult of a command:
//
//	out := gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"sort"}}), data)
//	n := CountLines.Submit(c, out) // CountLines: func(ctx, gask.CmdResult) (int, error)
//
// A non-zero exit fails the task with a *CommandError message.
var Exec = Func2(registry.ExecName, runCommand)

func runCommand(ctx context.Context, c Cmd, stdin []byte) (CmdResult, error) {
	if len(c.Args) == 0 {
		return CmdResult{}, &CommandError{ExitCode: -1, Err: "no program given"}
	}
	cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	if len(c.Env) > 0 {
		cmd.Env = append(cmd.Environ(), c.Env...)
	}
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := CmdResult{ExitCode: cmd.ProcessState.ExitCode(), Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if cmd.ProcessState == nil {
		res.ExitCode = -1
	}
	if err != nil {
		ce := &CommandError{Args: c.Args, ExitCode: res.ExitCode, Stderr: tail(stderr.Bytes(), 2000)}
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ce.Err = err.Error()
		} else if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			ce.Err = "killed by signal " + ws.Signal().String()
		}
		return res, ce
	}
	return res, nil
}

func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
