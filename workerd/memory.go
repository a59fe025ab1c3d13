package workerd

import (
	"context"
	"runtime/debug"
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

// valueLost tells the loop a value it holds was lost (it failed to read
// back from disk when a peer asked for it).
type valueLost struct{ key string }

// spillBackoff is how long the monitor waits after a failed spill before
// it tries again: a full disk does not empty itself at once.
const spillBackoff = time.Second

// monitorMemory keeps the worker within its memory limit: every interval
// and after values are stored, it spills least recently used values to
// disk and pauses or resumes the worker. It runs until ctx ends.
func (w *Worker) monitorMemory(ctx context.Context) {
	tick := time.NewTicker(w.cfg.MemoryInterval)
	defer tick.Stop()
	paused := false
	var retry, lastFree time.Time
	process := w.processMemory()
	th := w.th
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
		case <-w.stored:
			// Managed bytes crossed a threshold; the process measure (a
			// read of /proc) waits for the tick.
		}
		managed := w.store.managedBytes()
		d := decide(th, w.cfg.MemoryLimit, managed, process)
		if d.spill > 0 && time.Now().After(retry) {
			n, err := w.store.spill(d.spill)
			if err != nil {
				// The value stays in memory; nothing is lost. Pausing (at
				// the pause threshold) is what keeps memory in check now.
				w.log.Error("cannot spill to disk; values stay in memory", "err", err, "spilled", n, "want", d.spill)
				retry = time.Now().Add(spillBackoff)
			}
			if n > 0 && d.hard && w.cfg.ProcessMemory != nil && time.Since(lastFree) > time.Second {
				// Give the memory of what was spilled back to the system,
				// so that the process measure sees it go.
				debug.FreeOSMemory()
				lastFree = time.Now()
			}
			if n > 0 {
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
		}
	}
}

// processMemory is the memory measure for the spill and pause thresholds.
func (w *Worker) processMemory() int64 {
	if w.cfg.ProcessMemory == nil {
		return 0
	}
	return w.cfg.ProcessMemory()
}

// storedValue wakes the memory monitor after a value was stored, if the
// values held now pass the lowest threshold: below it, the monitor's tick
// is soon enough, and a worker running tiny tasks wakes no one per task.
func (w *Worker) storedValue() {
	if w.stored == nil || w.store.managedBytes() <= w.wakeAbove {
		return
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
