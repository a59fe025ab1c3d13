// Command commands mixes Go tasks and shell command tasks in one graph on a
// local gask cluster:
//
//	Words (Go) → []byte lines → sort (command, lines on stdin) → Summarise (Go, takes a gask.CmdResult)
//
// plus a command with its own environment and working directory, and one
// that fails, to show how a command's exit status comes back.
//
//	go run ./examples/commands
//
// Command tasks are gask.Exec: any program on the worker's machine, with
// arguments, extra environment and a directory. A []byte future passed as
// Exec's second argument becomes the command's standard input; a task that
// takes a gask.CmdResult gets its exit code, stdout and stderr.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// Words makes n lines of fruit names, out of order.
var Words = gask.Func("commands.words", func(ctx context.Context, n int) ([]byte, error) {
	fruit := []string{"plum", "fig", "apple", "kiwi", "cherry", "banana", "mango", "date"}
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintln(&b, fruit[(i*5)%len(fruit)])
	}
	return b.Bytes(), nil
})

// Summary describes a command's output.
type Summary struct {
	Lines       int
	First, Last string
}

// Summarise counts the lines a command wrote.
var Summarise = gask.Func("commands.summarise", func(ctx context.Context, r gask.CmdResult) (Summary, error) {
	lines := strings.Split(strings.TrimRight(string(r.Stdout), "\n"), "\n")
	return Summary{Lines: len(lines), First: lines[0], Last: lines[len(lines)-1]}, nil
})

func main() {
	gask.Main()
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	// Go task → command → Go task. LC_ALL=C makes sort's order the same
	// on every machine.
	words := Words.Submit(c, gask.V(8))
	sorted := gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"sort"}, Env: []string{"LC_ALL=C"}}), words)
	summary := Summarise.Submit(c, sorted)

	s, err := summary.Result(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("sort wrote %d lines, from %q to %q\n", s.Lines, s.First, s.Last)
	out, err := sorted.Result(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("sorted: %s\n", strings.Join(strings.Fields(string(out.Stdout)), " "))

	// A command with extra environment and its own working directory; no
	// standard input.
	hello := gask.Exec.Submit(c, gask.V(gask.Cmd{
		Args: []string{"sh", "-c", `echo "$GREETING from $(pwd)"`},
		Env:  []string{"GREETING=hello"},
		Dir:  "/",
	}), gask.V([]byte(nil)))
	r, err := hello.Result(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("sh said %q (exit %d)\n", r.Stdout, r.ExitCode)

	// A command that fails: its future's error says how.
	_, err = gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"sh", "-c", "echo oops >&2; exit 3"}}), gask.V([]byte(nil))).Result(ctx)
	var te *gask.TaskError
	if errors.As(err, &te) {
		fmt.Printf("failed as expected: kind %s: %s\n", te.Kind, te.Message)
	} else {
		log.Fatalf("the failing command returned %v", err)
	}
}
