package scheduler_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gask-dev/gask/scheduler"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output in scheduler/testdata/*.txt")

// TestInteraction runs every script in testdata. A script is a sequence of
// blocks, each a command, a "----" line, and the output the command must
// print, ended by a blank line; comment lines (#) and blank lines before a
// command are kept. With -rewrite the output sections are regenerated from
// what the scheduler does now — read the diff before committing it.
//
// Event commands print the scheduler's commands in order, then one "~" line
// per task whose state changed ("new" is a task the event created), with
// the notes of its story in parentheses (steals). State.Check runs after
// every event; a violation fails the test at once.
//
//	worker-join w1 [nthreads=1] [funcs=inc,add] [resources=GPU:1] [name=alice] [memory=N]
//	worker-leave w1 [reason="..."]     worker-death w1 reason="..."     worker-closing w1
//	worker-paused w1                   worker-resumed w1
//	submit c1 a=inc b=add(a) c=add(a,b)[prio=5,retries=2,workers=alice|bob,loose,res=GPU:1] want=c
//	finish w1 a [nbytes=8] [dur=1ms]   fail w1 b [kind=task] [msg=boom]
//	release c1 a b                     cancel c1 a
//	missing w2 c dep=a holders=w1      replicas w2 added=a:8,b dropped=c
//	scatter c1 w1[,w2] x y:16 [nbytes=8]   client-join c1   client-leave c1
//	retire c1 w1 [w2 ...] [req=1]      acquire-failed w2 a [holders=w1]   (w2 could not fetch a for an Acquire)
//	stolen w1 b                        kept w1 b           (w1 answers a steal of b)
//	state                              story a b
//	config allowed-failures=2 target-batch=2ms max-ahead=4 transfer-latency=1ms work-stealing=off   (first command only)
//
// Function identities are the names given with "@sig" appended. Workers
// without funcs= run inc, add, sum and load.
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

var defaultFuncs = []string{"inc", "add", "sum", "load"}

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
			// lines[i], if any, is the blank separator: the loop skips it.
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
	h := newHarness(scheduler.Config{})
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
	s       *scheduler.State
	keys    map[string]bool // every key a script has named, for state and story
	events  uint64          // events handled, to match Transition.Stimulus
	history []string        // keys in order of first mention
}

func newHarness(cfg scheduler.Config) *harness {
	return &harness{s: scheduler.New(cfg), keys: map[string]bool{}}
}

func (h *harness) note(keys ...string) {
	for _, k := range keys {
		if !h.keys[k] {
			h.keys[k] = true
			h.history = append(h.history, k)
		}
	}
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
	var ev scheduler.Event
	switch cmd {
	case "config":
		if !first {
			return nil, fmt.Errorf("config must be the first command")
		}
		var cfg scheduler.Config
		for k, v := range kv {
			switch k {
			case "allowed-failures":
				cfg.AllowedFailures, err = strconv.Atoi(v)
			case "max-ahead":
				cfg.MaxAhead, err = strconv.Atoi(v)
			case "target-batch":
				cfg.TargetBatch, err = parseDur(v)
			case "bandwidth":
				cfg.Bandwidth, err = strconv.ParseFloat(v, 64)
			case "transfer-latency":
				cfg.TransferLatency, err = parseDur(v)
			case "work-stealing":
				switch v {
				case "on":
					cfg.NoWorkStealing = false
				case "off":
					cfg.NoWorkStealing = true
				default:
					err = fmt.Errorf("work-stealing=%s: want on or off", v)
				}
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
	case "story":
		var out []string
		for _, tr := range h.s.Story(pos...) {
			out = append(out, tr.String())
		}
		return out, nil
	case "worker-join":
		if err := need(1); err != nil {
			return nil, err
		}
		e := &scheduler.WorkerJoined{Worker: scheduler.WorkerID(pos[0]), Name: kv["name"], NThreads: 1}
		if v, ok := kv["nthreads"]; ok {
			if e.NThreads, err = strconv.Atoi(v); err != nil {
				return nil, err
			}
		}
		if v, ok := kv["memory"]; ok {
			if e.MemoryLimit, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, err
			}
		}
		funcs := defaultFuncs
		if v, ok := kv["funcs"]; ok {
			funcs = splitList(v, ",")
		}
		e.Funcs = funcSet(funcs)
		if e.Resources, err = parseResources(kv["resources"], ","); err != nil {
			return nil, err
		}
		ev = e
	case "worker-leave":
		if err := need(1); err != nil {
			return nil, err
		}
		ev = &scheduler.WorkerLeft{Worker: scheduler.WorkerID(pos[0]), Reason: kv["reason"]}
	case "worker-closing":
		if err := need(1); err != nil {
			return nil, err
		}
		ev = &scheduler.WorkerClosing{Worker: scheduler.WorkerID(pos[0])}
	case "worker-paused", "worker-resumed":
		if err := need(1); err != nil {
			return nil, err
		}
		ev = &scheduler.WorkerPaused{Worker: scheduler.WorkerID(pos[0]), Paused: cmd == "worker-paused"}
	case "worker-death":
		if err := need(1); err != nil {
			return nil, err
		}
		ev = &scheduler.WorkerDeath{Worker: scheduler.WorkerID(pos[0]), Reason: kv["reason"]}
	case "client-join":
		if err := need(1); err != nil {
			return nil, err
		}
		ev = &scheduler.ClientJoined{Client: scheduler.ClientID(pos[0])}
	case "client-leave":
		if err := need(1); err != nil {
			return nil, err
		}
		ev = &scheduler.ClientLeft{Client: scheduler.ClientID(pos[0])}
	case "submit":
		if err := need(1); err != nil {
			return nil, err
		}
		e := &scheduler.GraphUpdated{Client: scheduler.ClientID(pos[0])}
		// Tasks keep their order in the line: key=func(...) tokens.
		for _, a := range args[1:] {
			k, v, _ := strings.Cut(a, "=")
			if k == "want" {
				e.Wants = splitList(v, ",")
				continue
			}
			spec, err := parseTask(a)
			if err != nil {
				return nil, err
			}
			e.Tasks = append(e.Tasks, spec)
			h.note(spec.Key)
			h.note(spec.Deps...)
		}
		h.note(e.Wants...)
		ev = e
	case "finish":
		if err := need(2); err != nil {
			return nil, err
		}
		e := &scheduler.TaskFinished{Worker: scheduler.WorkerID(pos[0]), Key: pos[1], NBytes: 8}
		if v, ok := kv["nbytes"]; ok {
			if e.NBytes, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, err
			}
		}
		if v, ok := kv["dur"]; ok {
			if e.Duration, err = parseDur(v); err != nil {
				return nil, err
			}
		}
		if v, ok := kv["value"]; ok {
			e.Value = []byte(v)
		}
		ev = e
	case "fail":
		if err := need(2); err != nil {
			return nil, err
		}
		e := &scheduler.TaskFailed{Worker: scheduler.WorkerID(pos[0]), Key: pos[1],
			Err: scheduler.Error{Kind: "task", Message: "boom"}}
		if v, ok := kv["kind"]; ok {
			e.Err.Kind = v
		}
		if v, ok := kv["msg"]; ok {
			e.Err.Message = v
		}
		ev = e
	case "release", "cancel":
		if err := need(2); err != nil {
			return nil, err
		}
		ev = &scheduler.KeysReleased{Client: scheduler.ClientID(pos[0]), Keys: pos[1:], Cancel: cmd == "cancel"}
	case "stolen", "kept":
		if err := need(2); err != nil {
			return nil, err
		}
		ev = &scheduler.StealResponse{Worker: scheduler.WorkerID(pos[0]), Key: pos[1], Stolen: cmd == "stolen"}
	case "missing":
		if err := need(2); err != nil {
			return nil, err
		}
		e := &scheduler.DataMissing{Worker: scheduler.WorkerID(pos[0]), Key: pos[1], Dep: kv["dep"]}
		for _, w := range splitList(kv["holders"], ",") {
			e.Holders = append(e.Holders, scheduler.WorkerID(w))
		}
		ev = e
	case "replicas":
		if err := need(1); err != nil {
			return nil, err
		}
		e := &scheduler.ReplicasChanged{Worker: scheduler.WorkerID(pos[0]), Dropped: splitList(kv["dropped"], ",")}
		for _, a := range splitList(kv["added"], ",") {
			k, n, err := keySize(a, 8)
			if err != nil {
				return nil, err
			}
			e.Added = append(e.Added, k)
			e.NBytes = append(e.NBytes, n)
		}
		ev = e
	case "retire":
		if err := need(2); err != nil {
			return nil, err
		}
		e := &scheduler.RetireWorkers{Client: scheduler.ClientID(pos[0]), Workers: pos[1:], ReqID: 1}
		if v, ok := kv["req"]; ok {
			if e.ReqID, err = strconv.ParseUint(v, 10, 64); err != nil {
				return nil, err
			}
		}
		ev = e
	case "acquire-failed":
		if err := need(2); err != nil {
			return nil, err
		}
		e := &scheduler.DataMissing{Worker: scheduler.WorkerID(pos[0]), Dep: pos[1]}
		for _, w := range splitList(kv["holders"], ",") {
			e.Holders = append(e.Holders, scheduler.WorkerID(w))
		}
		ev = e
	case "scatter":
		if err := need(3); err != nil {
			return nil, err
		}
		def := int64(8)
		if v, ok := kv["nbytes"]; ok {
			if def, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, err
			}
		}
		e := &scheduler.DataPlaced{Client: scheduler.ClientID(pos[0])}
		for _, w := range splitList(pos[1], ",") {
			e.Workers = append(e.Workers, scheduler.WorkerID(w))
		}
		for _, a := range pos[2:] {
			k, n, err := keySize(a, def)
			if err != nil {
				return nil, err
			}
			e.Keys = append(e.Keys, k)
			e.NBytes = append(e.NBytes, n)
			h.note(k)
		}
		ev = e
	default:
		return nil, fmt.Errorf("unknown command %q", cmd)
	}
	return h.handle(ev)
}

// handle applies one event, prints its commands and transitions, and checks
// the invariants.
func (h *harness) handle(ev scheduler.Event) ([]string, error) {
	cmds := h.s.Handle(ev)
	h.events++
	var out []string
	for _, c := range cmds {
		out = append(out, formatCommand(c))
	}
	out = append(out, h.transitions()...)
	if err := h.s.Check(); err != nil {
		return out, fmt.Errorf("Check() after %T: %v", ev, err)
	}
	return out, nil
}

// transitions prints, one line per task, the states the last event moved it through.
func (h *harness) transitions() []string {
	var order []string
	chains := map[string][]string{}
	notes := map[string][]string{}
	for _, tr := range h.s.Story(h.history...) {
		if tr.Stimulus != h.events {
			continue
		}
		if tr.Note != "" {
			notes[tr.Key] = append(notes[tr.Key], tr.Note)
		}
		c, ok := chains[tr.Key]
		if !ok {
			order = append(order, tr.Key)
			if tr.From == tr.To && tr.From == scheduler.Released {
				c = []string{"new"} // tasks are created released
			} else {
				c = []string{tr.From.String()}
			}
		}
		if tr.From != tr.To {
			c = append(c, tr.To.String())
		}
		chains[tr.Key] = c
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		l := "~ " + k + ": " + strings.Join(chains[k], "→")
		if n := notes[k]; len(n) > 0 {
			l += " (" + strings.Join(n, "; ") + ")"
		}
		out = append(out, l)
	}
	return out
}

func (h *harness) state() []string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range h.keys {
			if !yield(k) {
				return
			}
		}
	})
	var out []string
	for _, k := range keys {
		ti, ok := h.s.Task(k)
		if !ok {
			continue
		}
		l := k + " " + ti.State.String()
		switch {
		case ti.State == scheduler.Processing:
			l += " " + string(ti.Worker)
			if ti.Thief != "" {
				l += " stealing→" + string(ti.Thief)
			}
		case ti.State == scheduler.Memory:
			l += fmt.Sprintf(" %s nbytes=%d", idList(ti.WhoHas), ti.NBytes)
		case ti.State == scheduler.Erred && ti.Err != nil:
			l += " " + formatErr(k, *ti.Err)
		}
		if ti.Suspicious > 0 {
			l += fmt.Sprintf(" suspicious=%d", ti.Suspicious)
		}
		out = append(out, l)
	}
	for _, w := range h.s.Workers() {
		l := fmt.Sprintf("worker %s nthreads=%d processing=%d memory=%d nbytes=%d",
			w.ID, w.NThreads, w.Processing, w.InMemory, w.NBytes)
		if w.Paused {
			l += " paused"
		}
		if w.Retiring {
			l += " retiring"
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		out = append(out, "(empty)")
	}
	return out
}

func formatCommand(c scheduler.Command) string {
	switch c := c.(type) {
	case *scheduler.Compute:
		deps := make([]string, len(c.Deps))
		for i, d := range c.Deps {
			ws := make([]string, len(d.Holders))
			for j, w := range d.Holders {
				ws[j] = string(w)
			}
			deps[i] = d.Key + "@" + strings.Join(ws, ",")
		}
		s := fmt.Sprintf("compute %s %s %s deps=[%s] prio=%d", c.Worker, c.Key,
			strings.TrimSuffix(c.Func, "@sig"), strings.Join(deps, " "), c.Priority)
		if len(c.Resources) > 0 {
			s += " res=" + formatResources(c.Resources)
		}
		if c.Held {
			s += " held"
		}
		return s
	case *scheduler.Free:
		return fmt.Sprintf("free %s %s", c.Worker, c.Key)
	case *scheduler.Steal:
		return fmt.Sprintf("steal %s %s", c.Worker, c.Key)
	case *scheduler.NotifyDone:
		s := fmt.Sprintf("done %s %s nbytes=%d holders=%s", c.Client, c.Key, c.NBytes, idList(c.Holders))
		if c.Value != nil {
			s += fmt.Sprintf(" value=%q", c.Value)
		}
		return s
	case *scheduler.NotifyErred:
		return fmt.Sprintf("erred %s %s %s", c.Client, c.Key, formatErr(c.Key, c.Err))
	case *scheduler.NotifyCancelled:
		return fmt.Sprintf("cancelled %s %s: %s", c.Client, c.Key, c.Reason)
	case *scheduler.Acquire:
		keys := make([]string, len(c.Keys))
		for i, d := range c.Keys {
			hs := make([]string, len(d.Holders))
			for j, w := range d.Holders {
				hs[j] = string(w)
			}
			keys[i] = fmt.Sprintf("%s:%d@%s", d.Key, d.NBytes, strings.Join(hs, ","))
		}
		return fmt.Sprintf("acquire %s [%s]", c.Worker, strings.Join(keys, " "))
	case *scheduler.CloseWorker:
		return "close " + string(c.Worker)
	case *scheduler.RetireDone:
		s := fmt.Sprintf("retired %s req=%d", c.Client, c.ReqID)
		for _, part := range []struct {
			name string
			ids  []scheduler.WorkerID
		}{{"retired", c.Retired}, {"kept", c.Kept}, {"lost", c.Lost}} {
			if len(part.ids) > 0 {
				s += " " + part.name + "=" + idList(part.ids)
			}
		}
		if len(c.Unknown) > 0 {
			s += " unknown=[" + strings.Join(c.Unknown, " ") + "]"
		}
		if len(c.Unmoved) > 0 {
			s += " unmoved=[" + strings.Join(c.Unmoved, " ") + "]"
		}
		return s
	default:
		return fmt.Sprintf("unknown command %T", c)
	}
}

func formatErr(key string, e scheduler.Error) string {
	s := e.Kind + ": " + e.Message
	if e.Key != key {
		s += " (from " + e.Key + ")"
	}
	return s
}

func formatResources(rs []scheduler.Resource) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Name + ":" + strconv.FormatFloat(r.Amount, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

func idList(ids []scheduler.WorkerID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func funcSet(names []string) *scheduler.FuncSet {
	ids := make([]string, len(names))
	for i, n := range names {
		ids[i] = n + "@sig"
	}
	return scheduler.NewFuncSet(ids)
}

// parseTask parses "key=func(dep,dep)[opt,opt]".
func parseTask(s string) (scheduler.TaskSpec, error) {
	var spec scheduler.TaskSpec
	key, rest, ok := strings.Cut(s, "=")
	if !ok || key == "" || rest == "" {
		return spec, fmt.Errorf("bad task %q: want key=func(deps)[opts]", s)
	}
	spec.Key = key
	var opts string
	if i := strings.IndexByte(rest, '['); i >= 0 {
		if !strings.HasSuffix(rest, "]") {
			return spec, fmt.Errorf("bad task %q: unclosed [", s)
		}
		rest, opts = rest[:i], rest[i+1:len(rest)-1]
	}
	if i := strings.IndexByte(rest, '('); i >= 0 {
		if !strings.HasSuffix(rest, ")") {
			return spec, fmt.Errorf("bad task %q: unclosed (", s)
		}
		spec.Deps = splitList(rest[i+1:len(rest)-1], ",")
		rest = rest[:i]
	}
	spec.Func = rest + "@sig"
	spec.Args = []byte(key)
	for _, o := range splitList(opts, ",") {
		k, v, _ := strings.Cut(o, "=")
		var err error
		switch k {
		case "prio":
			spec.Priority, err = strconv.ParseInt(v, 10, 64)
		case "retries":
			spec.Retries, err = strconv.Atoi(v)
		case "workers":
			spec.Workers = splitList(v, "|")
		case "loose":
			spec.Loose = true
		case "res":
			spec.Resources, err = parseResources(v, "|")
		default:
			err = fmt.Errorf("unknown task option %q", k)
		}
		if err != nil {
			return spec, fmt.Errorf("task %q: %v", s, err)
		}
	}
	return spec, nil
}

func parseResources(s, sep string) ([]scheduler.Resource, error) {
	var rs []scheduler.Resource
	for _, p := range splitList(s, sep) {
		name, amt, ok := strings.Cut(p, ":")
		if !ok {
			return nil, fmt.Errorf("bad resource %q: want NAME:AMOUNT", p)
		}
		f, err := strconv.ParseFloat(amt, 64)
		if err != nil {
			return nil, err
		}
		rs = append(rs, scheduler.Resource{Name: name, Amount: f})
	}
	return rs, nil
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

func parseDur(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	d, err := time.ParseDuration(s)
	return int64(d), err
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
