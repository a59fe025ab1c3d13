package workerd

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Default memory thresholds, as fractions of the memory limit (Dask's).
const (
	DefaultMemoryTarget = 0.6 // managed bytes above it spill, least recently used first
	DefaultMemorySpill  = 0.7 // process memory above it spills until below the target
	DefaultMemoryPause  = 0.8 // above it the worker pauses: no new tasks, no new fetches
)

// thresholds are fractions of the memory limit; 0 disables one.
type thresholds struct{ target, spill, pause float64 }

// lowest is the smallest enabled threshold, in bytes of limit, or limit
// when none is enabled.
func (th thresholds) lowest(limit int64) int64 {
	low := 1.0
	for _, f := range []float64{th.target, th.spill, th.pause} {
		if f > 0 {
			low = min(low, f)
		}
	}
	return int64(low * float64(limit))
}

// threshold turns a configured fraction into the one used: 0 is the
// default, a negative value disables the threshold.
func threshold(v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// memoryDecision is what the memory monitor should do.
type memoryDecision struct {
	spill int64 // bytes to move from memory to disk
	hard  bool  // spilling for process memory, not only managed bytes
	pause bool  // whether the worker should be paused
}

// decide applies the thresholds to a worker's memory use: managed is the
// bytes of the values it holds in memory, process the memory of the
// process (at least managed), limit the worker's limit (0: none).
func decide(th thresholds, limit, managed, process int64) memoryDecision {
	var d memoryDecision
	if limit <= 0 {
		return d
	}
	process = max(process, managed)
	frac := func(f float64) int64 { return int64(f * float64(limit)) }
	if th.target > 0 && managed > frac(th.target) {
		d.spill = managed - frac(th.target)
	}
	if th.spill > 0 && process > frac(th.spill) {
		// Spill until the process is back below the target (or the spill
		// threshold when there is no target).
		to := frac(th.spill)
		if th.target > 0 {
			to = min(to, frac(th.target))
		}
		if n := process - to; n > d.spill {
			d.spill, d.hard = n, true
		}
	}
	d.spill = min(d.spill, managed)
	d.hard = d.hard && d.spill > 0
	d.pause = th.pause > 0 && process > frac(th.pause)
	return d
}

// memoryPaused tells the loop the memory monitor paused or resumed the worker.
type memoryPaused struct {
	paused          bool
	managed, memory int64
}

// memoryMoved asks the loop for a heartbeat: the memory accounts changed
// by much since the last.
type memoryMoved struct{}

// valueLost tells the loop a value it holds was lost (it failed to read
// back from disk when a peer asked for it).
type valueLost struct{ key string }

// spillBackoff is how long the monitor waits after a failed spill before
// it tries again: a full disk does not empty itself at once.
const spillBackoff = time.Second

// monitorMemory keeps the worker within its memory limit: every interval
// and after values are stored, it spills least recently used values to
// disk and pauses or resumes the worker. process is the process's memory
// when the worker started, measured before it joined (so that memory
// taken once it runs tasks is not taken for its idle memory). It runs
// until ctx ends.
func (w *Worker) monitorMemory(ctx context.Context, process int64) {
	tick := time.NewTicker(w.cfg.MemoryInterval)
	defer tick.Stop()
	paused := false
	var lastFree time.Time
	var reported int64 // spilled bytes as of the last report this monitor asked for
	th := w.th
	gcPct := 0 // the GOGC set last; -1: the program has its own
	if w.cfg.TuneGC {
		gcPct = w.tuneGC(gcPct)
	}
	if th.pause > 0 && process > int64(th.pause*float64(w.cfg.MemoryLimit)) {
		// Paused from the start, the worker would never run a task: a
		// limit below what the process needs idle cannot be kept.
		w.log.Error("memory limit is below this worker's idle memory; it will not pause for memory",
			"memory", process, "limit", w.cfg.MemoryLimit)
		th.pause = 0
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			process = w.processMemory()
			if w.cfg.TuneGC && gcPct >= 0 {
				gcPct = w.tuneGC(gcPct)
			}
		case <-w.stored:
			// Managed bytes crossed a threshold; the process measure (a
			// read of /proc) waits for the tick.
		}
		managed := w.store.managedBytes()
		d := decide(th, w.cfg.MemoryLimit, managed, process)
		if d.spill > 0 {
			if n := w.spillDown(d.spill); n > 0 {
				if d.hard && w.cfg.ProcessMemory != nil && time.Since(lastFree) > time.Second {
					// Give the memory of what was spilled back to the
					// system, so that the process measure sees it go.
					debug.FreeOSMemory()
					lastFree = time.Now()
				}
				managed = w.store.managedBytes()
				process = w.processMemory()
				d = decide(th, w.cfg.MemoryLimit, managed, process)
			}
		}
		if d.pause && w.cfg.ProcessMemory != nil && time.Since(lastFree) > time.Second {
			// Paused on process memory: heap freed since (spilled values,
			// finished tasks) stays resident until returned to the system,
			// and without this the worker would stay paused for good.
			debug.FreeOSMemory()
			lastFree = time.Now()
			process = w.processMemory()
			d = decide(th, w.cfg.MemoryLimit, managed, process)
		}
		if d.pause != paused {
			paused = d.pause
			select {
			case w.events <- memoryPaused{paused: paused, managed: managed, memory: max(process, managed)}:
			case <-ctx.Done():
				return
			}
			reported = w.store.stats().spilled // the loop heartbeats on a pause or resume
		} else if sp := w.store.stats().spilled; abs(sp-reported) > w.cfg.MemoryLimit/20 {
			// Values moved to or from disk by more than 5 % of the limit:
			// the scheduler and clients hear it before the next heartbeat.
			select {
			case w.events <- memoryMoved{}:
				reported = sp
			default: // the loop is busy; the next round tries again
			}
		}
	}
}

// maxGCPercent is the most gcPercent gives: past it, collections are
// already rare enough that the worker's CPU goes elsewhere.
const maxGCPercent = 400

// gcHeadroom is the most garbage a raised GOGC lets pile up: past a live
// heap of this size, Go's default is kept.
const gcHeadroom = 64 << 20

// gcPercent is the collector's percent (GOGC) for a worker process whose
// live heap is live bytes: as high as maxGCPercent while the garbage it
// allows (live × GOGC/100) stays within gcHeadroom and the heap goal
// within budget, never below Go's default of 100, in steps of 50 (so that
// a heap that moves a little does not change it every time). A worker
// running many small tasks has a live heap of a few megabytes and
// allocates per task, so at 100 it collects every few megabytes: its CPU
// goes to the collector, which a few tens of megabytes spare (about 5 %
// of the CPU of a tree of small tasks, on the machine of
// docs/benchmarks.md). A worker holding more keeps Go's 100, and with it
// a peak memory proportional to what it holds.
func gcPercent(live, budget int64) int {
	if live <= 0 {
		return maxGCPercent
	}
	g := 100 * min(budget-live, gcHeadroom) / live
	g = g / 50 * 50
	return int(min(max(g, 100), maxGCPercent))
}

// gcBudget is the heap goal gcPercent keeps within: half the memory target
// (half the runtime's memory limit without one), so that garbage alone
// stays well below the thresholds that measure the process — its memory
// past the spill threshold spills values, and what is read back from disk
// stays there unless the process has room (roomFor).
func (w *Worker) gcBudget() int64 {
	if w.th.target > 0 {
		return int64(w.th.target*float64(w.cfg.MemoryLimit)) / 2
	}
	return w.RuntimeMemoryLimit() / 2
}

// tuneGC sets the collector's percent from the live heap, if it changed;
// pct is the percent set last (0: none yet), the new one is returned. If
// the percent is not what it set last, the program set its own (a worker
// runs the user's program): tuneGC puts it back and returns -1, and is
// not to be called again.
func (w *Worker) tuneGC(pct int) int {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	if live[0].Value.Kind() != metrics.KindUint64 {
		return pct
	}
	return w.applyGCPercent(pct, gcPercent(int64(live[0].Value.Uint64()), w.gcBudget()))
}

// applyGCPercent is tuneGC's second half: it sets GOGC to g unless that is
// pct, the percent set last, and finds the program's own.
func (w *Worker) applyGCPercent(pct, g int) int {
	if g == pct {
		return pct
	}
	if old := debug.SetGCPercent(g); pct != 0 && old != pct {
		debug.SetGCPercent(old)
		w.log.Info("the program sets its own GOGC; the worker leaves it", "gogc", old)
		return -1
	}
	return g
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// spillDown spills at least n bytes of values, least recently used first,
// and returns how many it spilled. One spill runs at a time. After a
// failure (the value stays in memory; nothing is lost) spilling is not
// tried again for spillBackoff: pausing is what keeps memory in check
// meanwhile.
func (w *Worker) spillDown(n int64) int64 {
	w.spillMu.Lock()
	defer w.spillMu.Unlock()
	if time.Now().Before(w.retry) {
		return 0
	}
	spilled, err := w.store.spill(n)
	if err != nil {
		w.log.Error("cannot spill to disk; values stay in memory", "err", err, "spilled", spilled, "want", n)
		w.retry = time.Now().Add(spillBackoff)
	}
	return spilled
}

// RuntimeMemoryLimit is the limit for the Go runtime of a process that is
// this worker's alone (debug.SetMemoryLimit), or 0 without a memory limit:
// the spill threshold, else the pause threshold, else 90 % of the limit.
// Left at the worker's limit, the garbage collector would let freed values
// pile up past the nanny's 95 % before collecting them; at the spill
// threshold it collects them as the process nears the point where it must
// spill harder, so resident memory follows live values.
func (w *Worker) RuntimeMemoryLimit() int64 {
	if w.cfg.MemoryLimit <= 0 {
		return 0
	}
	f := 0.9
	switch {
	case w.th.spill > 0:
		f = min(f, w.th.spill)
	case w.th.pause > 0:
		f = min(f, w.th.pause)
	}
	return int64(f * float64(w.cfg.MemoryLimit))
}

// roomFor reports whether a value of n bytes, just read back from disk,
// may stay in memory: the process (measured now, with the bytes read
// already in it) leaves room below the spill threshold for n more, as a
// task that takes the value as []byte gets its own copy. Reading it costs
// far more than the measure. Managed bytes past the target are not a
// reason to refuse: the reader spills the least recently used down to the
// target (storedValue; values read back before are dropped without being
// written again), so a value used again and again comes back to memory. A worker
// without a measure of its own process (goroutine workers) always keeps.
func (w *Worker) roomFor(n int64) bool {
	if w.th.spill <= 0 || w.cfg.ProcessMemory == nil {
		return true
	}
	return w.processMemory()+n <= int64(w.th.spill*float64(w.cfg.MemoryLimit))
}

// processMemory is the memory measure for the spill and pause thresholds.
func (w *Worker) processMemory() int64 {
	if w.cfg.ProcessMemory == nil {
		return 0
	}
	return w.cfg.ProcessMemory()
}

// storedValue is called by whoever stored a value or read one back from
// disk (an executor, a transfer, the peer server), before it goes on. Past
// the target it spills down to it at once, in the caller's goroutine: a
// worker making or fetching values faster than the monitor's tick must not
// outrun its disk.
// Past the lowest threshold it wakes the memory monitor (for process
// memory and pausing); below it, the monitor's tick is soon enough, and a
// worker running tiny tasks wakes no one per task.
func (w *Worker) storedValue() {
	if w.stored == nil {
		return
	}
	managed := w.store.managedBytes()
	if managed <= w.wakeAbove {
		return
	}
	if w.th.target > 0 {
		if target := int64(w.th.target * float64(w.cfg.MemoryLimit)); managed > target {
			w.spillDown(managed - target)
		}
	}
	select {
	case w.stored <- struct{}{}:
	default:
	}
}

// ProcessRSS is the resident set size of this process (Linux; 0 where it
// is unknown). A worker that has its process to itself measures its memory
// with it: Config.ProcessMemory.
func ProcessRSS() int64 { return rss() }
