package worker_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gask-dev/gask/worker"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output in worker/testdata/*.txt")

// TestInteraction runs every script in testdata. A script is a sequence of
// blocks, each a command, a "----" line, and the output the command must
// print, ended by a blank line; comment lines (#) and blank lines before a
// command are kept. With -rewrite the output sections are regenerated from
// what the worker does now — read the diff before committing it.
//
// Event commands print the worker's commands in order, then one "~" line per
// key whose state the event changed, from before to after ("new" is a key
// the event created, "forgotten" one it dropped). Check runs after every
// event; a violation fails the test at once.
//
//	config nthreads=2 max-fetch-peers=1 self=w1   (first command only; these are the defaults but max-fetch-peers=8)
//	compute c [prio=3] [deps=a@w2,b@w2,w3,x@]     dep a held by w2; b by w2 and w3; x by nobody
//	acquire a@w2,b:16@w2,w3                       copies to fetch and keep, from those holders
//	done a [nbytes=8] [dur=1ms]                  fail a [msg=boom]
//	fetched w2 a b:16 [nbytes=8]                 fetch-failed w2 a b
//	free a b                                     put x [nbytes=8]
//	pause                                        resume
//	lost a                                       input-lost b a   (b, executing, could not read a)
//	steal a
//	state
func TestInteraction(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scripts in testdata")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runScript(t, f) })
	}
}

// block is one command of a script and the output it is expected to print.
type block struct {
	pre     []string // comment and blank lines before the command
	line    int      // 1-based line number of the command
	cmd     string
	hasWant bool
	want    []string
}

func parseScript(text string) (blocks []block, trailer []string) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	var cur block
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t")
		if l == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			cur.pre = append(cur.pre, l)
			continue
		}
		cur.cmd, cur.line = l, i+1
		if i+1 < len(lines) && lines[i+1] == "----" {
			cur.hasWant = true
			for i += 2; i < len(lines) && lines[i] != ""; i++ {
				cur.want = append(cur.want, lines[i])
			}
		}
		blocks = append(blocks, cur)
		cur = block{}
	}
	return blocks, cur.pre
}

func formatScript(blocks []block, outs [][]string, trailer []string) string {
	var b strings.Builder
	writePre := func(pre []string) {
		// Drop leading blanks (the previous block wrote its separator) and
		// collapse runs of blanks, so that rewriting is idempotent.
		for i, l := range pre {
			if l == "" && (i == 0 || pre[i-1] == "" || b.Len() == 0) {
				continue
			}
			b.WriteString(l + "\n")
		}
	}
	for i, bl := range blocks {
		writePre(bl.pre)
		b.WriteString(bl.cmd + "\n----\n")
		for _, o := range outs[i] {
			b.WriteString(o + "\n")
		}
		b.WriteString("\n")
	}
	writePre(trailer)
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func runScript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blocks, trailer := parseScript(string(data))
	h := newHarness(worker.Config{Self: "w1", NThreads: 1})
	outs := make([][]string, len(blocks))
	for i, bl := range blocks {
		out, err := h.run(bl.cmd, i == 0)
		if err != nil {
			t.Fatalf("%s:%d: %s\n%v\noutput so far:\n%s", path, bl.line, bl.cmd, err, strings.Join(out, "\n"))
		}
		if len(out) == 0 {
			out = []string{"ok"}
		}
		outs[i] = out
		if *rewrite {
			continue
		}
		if !bl.hasWant {
			t.Errorf("%s:%d: %s: no expected output (run with -rewrite)", path, bl.line, bl.cmd)
			continue
		}
		if !slices.Equal(out, bl.want) {
			t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", path, bl.line, bl.cmd,
				strings.Join(out, "\n"), strings.Join(bl.want, "\n"))
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(formatScript(blocks, outs, trailer)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// harness drives one State from script commands.
type harness struct {
	cfg worker.Config
	s   *worker.State
}

func newHarness(cfg worker.Config) *harness {
	return &harness{cfg: cfg, s: worker.New(cfg)}
}

// run executes one script command and returns what it prints.
func (h *harness) run(line string, first bool) ([]string, error) {
	toks, err := tokenize(line)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	cmd, args := toks[0], toks[1:]
	pos, kv := splitArgs(args)
	need := func(n int) error {
		if len(pos) < n {
			return fmt.Errorf("%s needs %d positional arguments, got %d", cmd, n, len(pos))
		}
		return nil
	}
	var ev worker.Event
	switch cmd {
	case "config":
		if !first {
			return nil, fmt.Errorf("config must be the first command")
		}
		cfg := h.cfg
		for k, v := range kv {
			switch k {
			case "nthreads":
				cfg.NThreads, err = strconv.Atoi(v)
			case "max-fetch-peers":
				cfg.MaxFetchPeers, err = strconv.Atoi(v)
			case "max-fetch-bytes":
				cfg.MaxFetchBytes, err = strconv.ParseInt(v, 10, 64)
			case "max-incoming-bytes":
				cfg.MaxIncomingBytes, err = strconv.ParseInt(v, 10, 64)
			case "self":
				cfg.Self = v
			default:
				err = fmt.Errorf("unknown config %s", k)
			}
			if err != nil {
				return nil, err
			}
		}
		*h = *newHarness(cfg)
		return nil, nil
	case "state":
		return h.state(), nil
	case "compute":
		if err := need(1); err != nil {
			return nil, err
		}
		e := &worker.ComputeRequested{Key: pos[0]}
		if v, ok := kv["prio"]; ok {
			if e.Priority, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, err
			}
		}
		if e.Deps, err = parseDeps(kv["deps"], 0); err != nil {
			return nil, err
		}
		ev = e
	case "acquire":
		if err := need(1); err != nil {
			return nil, err
		}
		e := &worker.AcquireRequested{}
		if e.Keys, err = parseDeps(pos[0], 8); err != nil {
			return nil, err
		}
		ev = e
	case "done":
		if err := need(1); err != nil {
			return nil, err
		}
		e := &worker.ExecuteDone{Key: pos[0], NBytes: 8}
		if v, ok := kv["nbytes"]; ok {
			if e.NBytes, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, err
			}
		}
		if v, ok := kv["dur"]; ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, err
			}
			e.Duration = int64(d)
		}
		ev = e
	case "fail":
		if err := need(1); err != nil {
			return nil, err
		}
		msg := "boom"
		if v, ok := kv["msg"]; ok {
			msg = v
		}
		ev = &worker.ExecuteFailed{Key: pos[0], Err: errors.New(msg)}
	case "fetched":
		if err := need(1); err != nil {
			return nil, err
		}
		def := int64(8)
		if v, ok := kv["nbytes"]; ok {
			if def, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, err
			}
		}
		e := &worker.FetchDone{From: pos[0]}
		for _, a := range pos[1:] {
			k, n, err := keySize(a, def)
			if err != nil {
				return nil, err
			}
			e.Keys = append(e.Keys, k)
			e.NBytes = append(e.NBytes, n)
		}
		ev = e
	case "fetch-failed":
		if err := need(1); err != nil {
			return nil, err
		}
		ev = &worker.FetchFailed{From: pos[0], Keys: pos[1:]}
	case "free":
		ev = &worker.FreeRequested{Keys: pos}
	case "put":
		if err := need(1); err != nil {
			return nil, err
		}
		e := &worker.DataPut{Key: pos[0], NBytes: 8}
		if v, ok := kv["nbytes"]; ok {
			if e.NBytes, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, err
			}
		}
		ev = e
	case "lost":
		if err := need(1); err != nil {
			return nil, err
		}
		ev = &worker.ValueLost{Key: pos[0]}
	case "input-lost":
		if err := need(2); err != nil {
			return nil, err
		}
		ev = &worker.InputLost{Key: pos[0], Dep: pos[1]}
	case "steal":
		if err := need(1); err != nil {
			return nil, err
		}
		ev = &worker.StealRequested{Key: pos[0]}
	case "pause":
		ev = &worker.Pause{}
	case "resume":
		ev = &worker.Resume{}
	default:
		return nil, fmt.Errorf("unknown command %q", cmd)
	}
	return h.handle(ev)
}

// handle applies one event, prints its commands and the state changes, and
// checks the invariants.
func (h *harness) handle(ev worker.Event) ([]string, error) {
	before := h.s.KeyStates()
	cmds := h.s.Handle(ev)
	var out []string
	for _, c := range cmds {
		out = append(out, formatCommand(c))
	}
	after := h.s.KeyStates()
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range before {
			if !yield(k) {
				return
			}
		}
		for k := range after {
			if _, ok := before[k]; !ok && !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		b, inBefore := before[k]
		a, inAfter := after[k]
		from, to := "new", "forgotten"
		if inBefore {
			from = b.String()
		}
		if inAfter {
			to = a.String()
		}
		if from != to {
			out = append(out, "~ "+k+": "+from+"→"+to)
		}
	}
	if err := check(h.s, h.cfg); err != nil {
		return out, fmt.Errorf("after %T: %v", ev, err)
	}
	return out, nil
}

// check verifies what can be seen from outside — the counts agree with each
// other and with the configuration — and then the internal invariants.
func check(s *worker.State, cfg worker.Config) error {
	counts := s.Counts()
	nthreads := max(cfg.NThreads, 1)
	if n := s.Executing(); n < 0 || n > nthreads {
		return fmt.Errorf("Executing() = %d, want 0..%d", n, nthreads)
	}
	if got, want := s.Executing(), counts[worker.Executing]+counts[worker.Cancelled]; got != want {
		return fmt.Errorf("Executing() = %d, want %d (executing + cancelled keys)", got, want)
	}
	if got, want := s.NumReady(), counts[worker.Ready]; got != want {
		return fmt.Errorf("NumReady() = %d, want %d ready keys", got, want)
	}
	if !s.Paused() && s.Executing() < nthreads && s.NumReady() > 0 {
		return fmt.Errorf("idle thread with %d ready tasks", s.NumReady())
	}
	for k, st := range s.KeyStates() {
		if s.Has(k) != (st == worker.Memory) {
			return fmt.Errorf("Has(%s) = %v, but it is %v", k, s.Has(k), st)
		}
	}
	return s.Check()
}

func (h *harness) state() []string {
	states := h.s.KeyStates()
	var out []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range states {
			if !yield(k) {
				return
			}
		}
	}) {
		out = append(out, k+" "+states[k].String())
	}
	out = append(out, fmt.Sprintf("executing=%d ready=%d paused=%v", h.s.Executing(), h.s.NumReady(), h.s.Paused()))
	return out
}

func formatCommand(c worker.Command) string {
	switch c := c.(type) {
	case *worker.Execute:
		return "execute " + c.Key
	case *worker.CancelExecution:
		return "cancel-execution " + c.Key
	case *worker.FetchKeys:
		return fmt.Sprintf("fetch %s [%s]", c.From, strings.Join(c.Keys, " "))
	case *worker.Discard:
		return "discard " + c.Key
	case *worker.ReportDone:
		s := fmt.Sprintf("report-done %s nbytes=%d", c.Key, c.NBytes)
		if c.Duration != 0 {
			s += " dur=" + time.Duration(c.Duration).String()
		}
		return s
	case *worker.ReportErred:
		return fmt.Sprintf("report-erred %s %v", c.Key, c.Err)
	case *worker.ReportMissing:
		if c.Key == "" {
			return fmt.Sprintf("report-not-acquired %s holders=[%s]", c.Dep, strings.Join(c.Holders, " "))
		}
		return fmt.Sprintf("report-missing %s dep=%s holders=[%s]", c.Key, c.Dep, strings.Join(c.Holders, " "))
	case *worker.ReportReplicas:
		sizes := make([]string, len(c.NBytes))
		for i, n := range c.NBytes {
			sizes[i] = strconv.FormatInt(n, 10)
		}
		return fmt.Sprintf("replicas [%s] nbytes=[%s]", strings.Join(c.Added, " "), strings.Join(sizes, " "))
	case *worker.ReportLost:
		return "report-lost " + c.Key
	case *worker.ReportSteal:
		return fmt.Sprintf("report-steal %s stolen=%v", c.Key, c.Stolen)
	default:
		return fmt.Sprintf("unknown command %T", c)
	}
}

// parseDeps parses "a@w2,b:16@w2,w3,x@": a name without @ is one more
// holder of the key before it; def is the size of a key given without one.
func parseDeps(s string, def int64) ([]worker.Dep, error) {
	var deps []worker.Dep
	for _, d := range splitList(s, ",") {
		key, holder, ok := strings.Cut(d, "@")
		if !ok {
			if len(deps) == 0 {
				return nil, fmt.Errorf("bad deps %q: want key@holder,holder,key@holder", s)
			}
			last := &deps[len(deps)-1]
			last.Holders = append(last.Holders, d)
			continue
		}
		key, n, err := keySize(key, def)
		if err != nil {
			return nil, err
		}
		dep := worker.Dep{Key: key, NBytes: n}
		if holder != "" {
			dep.Holders = []string{holder}
		}
		deps = append(deps, dep)
	}
	return deps, nil
}

// keySize parses "key" or "key:nbytes".
func keySize(s string, def int64) (string, int64, error) {
	k, n, ok := strings.Cut(s, ":")
	if !ok {
		return k, def, nil
	}
	v, err := strconv.ParseInt(n, 10, 64)
	return k, v, err
}

func splitList(s, sep string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, sep)
}

// splitArgs separates positional arguments from key=value ones.
func splitArgs(args []string) (pos []string, kv map[string]string) {
	kv = map[string]string{}
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			kv[k] = v
		} else {
			pos = append(pos, a)
		}
	}
	return pos, kv
}

// tokenize splits a line on spaces, keeping double-quoted runs together
// (quotes removed) and dropping a trailing # comment.
func tokenize(line string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inTok, inQuote := false, false
	for _, r := range line {
		switch {
		case inQuote && r == '"':
			inQuote = false
		case inQuote:
			cur.WriteRune(r)
		case r == '"':
			inQuote, inTok = true, true
		case r == ' ' || r == '\t':
			if inTok {
				toks = append(toks, cur.String())
				cur.Reset()
				inTok = false
			}
		case r == '#' && !inTok:
			return toks, nil
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quote in %q", line)
	}
	if inTok {
		toks = append(toks, cur.String())
	}
	return toks, nil
}
