// Package dashboard serves a scheduler's web dashboard, Prometheus metrics
// and Go profiles over HTTP:
//
//	/              the dashboard: tasks by state, progress by function, workers and their memory
//	/api/status    the same as JSON, what the page reads every second
//	/metrics       Prometheus metrics (gask_scheduler_*, gask_worker_*, and the process's go_*)
//	/debug/pprof/  the scheduler process's profiles (net/http/pprof)
//
// Every request reads one snapshot of the scheduler (schedulerd.Snapshot),
// which its loop builds between events at a cost of O(workers +
// functions): the dashboard never walks the tasks, and an idle page costs
// the scheduler nothing. `gask scheduler` serves it on port 8787
// (--dashboard-address); local and batch clusters are Sources:
//
//	d, err := dashboard.Listen("127.0.0.1:8787", cluster, nil)
//	defer d.Close()
//	fmt.Println("dashboard at", d.URL())
//
// Only programs that import this package link client_golang.
package dashboard

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gask-dev/gask/scheduler"
	"github.com/gask-dev/gask/schedulerd"
)

// Source gives snapshots of a scheduler: a *schedulerd.Server, a
// local.Cluster, a jobqueue.Cluster.
type Source interface {
	Snapshot(ctx context.Context) (*schedulerd.Snapshot, error)
}

// snapshotTimeout bounds the wait for the scheduler's loop, which a burst
// of events may keep busy.
const snapshotTimeout = 5 * time.Second

//go:embed index.html
var indexHTML []byte

// Handler serves the dashboard of src.
func Handler(src Source) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{src}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(indexHTML)
	})
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), snapshotTimeout)
		defer cancel()
		snap, err := src.Snapshot(ctx)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(statusOf(snap))
	})
	// A scrape without the scheduler's metrics fails (Prometheus' up is 0)
	// rather than answer with the Go runtime's alone.
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// Server is a dashboard listening on an address.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// Listen serves the dashboard of src on addr ("127.0.0.1:8787", ":0"),
// logging HTTP errors to log (nil: slog.Default).
func Listen(addr string, src Source, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, done: make(chan error, 1),
		srv: &http.Server{Handler: Handler(src), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// URL is where the dashboard is: http://host:port/, with this host's name
// for a listener on every interface.
func (s *Server) URL() string {
	a := s.ln.Addr().(*net.TCPAddr)
	host := a.IP.String()
	if name, err := os.Hostname(); err == nil && a.IP.IsUnspecified() {
		host = name
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port)) + "/"
}

// Close stops the dashboard: it lets requests under way finish for up to
// five seconds (a CPU profile runs for as long as it was asked), then
// closes their connections, and waits for the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// status is /api/status.
type status struct {
	Time          time.Time      `json:"time"`
	Uptime        float64        `json:"uptime_seconds"`
	Build         string         `json:"build"`
	Clients       int            `json:"clients"`
	Threads       int            `json:"threads"`
	Tasks         map[string]int `json:"tasks"`
	MeanDuration  float64        `json:"mean_task_seconds"`
	Groups        []groupStatus  `json:"groups"`
	Workers       []workerStatus `json:"workers"`
	MemoryLimit   int64          `json:"memory_limit"`
	Managed       int64          `json:"managed_bytes"`
	Spilled       int64          `json:"spilled_bytes"`
	QueuedTasks   int            `json:"queued"`
	NoWorkerTasks int            `json:"no_worker"`
}

type groupStatus struct {
	Name    string         `json:"name"`
	Created int            `json:"created"`
	Done    int            `json:"done"`
	Erred   int            `json:"erred"`
	States  map[string]int `json:"states"`
}

type workerStatus struct {
	Name        string  `json:"name"`
	Addr        string  `json:"addr"`
	Threads     int     `json:"threads"`
	Processing  int64   `json:"processing"`
	Executing   int64   `json:"executing"`
	Values      int64   `json:"values"`
	MemoryLimit int64   `json:"memory_limit"`
	Managed     int64   `json:"managed_bytes"`
	InMemory    int64   `json:"managed_in_memory_bytes"`
	Spilled     int64   `json:"spilled_bytes"`
	RSS         int64   `json:"rss_bytes"`
	Paused      bool    `json:"paused"`
	Retiring    bool    `json:"retiring"`
	MemoryShare float64 `json:"memory_share"` // RSS / limit; 0 without a limit
}

func statusOf(s *schedulerd.Snapshot) *status {
	st := &status{Time: s.Time, Uptime: s.Time.Sub(s.Started).Seconds(), Build: s.Build, Clients: s.Clients,
		Tasks: map[string]int{}, MeanDuration: float64(s.Load.MeanDuration) / 1e9,
		QueuedTasks: s.Load.Queued, NoWorkerTasks: s.Load.NoWorker, Groups: []groupStatus{}, Workers: []workerStatus{}}
	for state, n := range s.Tasks {
		st.Tasks[state.String()] = n
	}
	for _, g := range s.Groups {
		gs := groupStatus{Name: g.Name, Created: g.Created, Done: g.Done, Erred: g.Erred, States: map[string]int{}}
		if gs.Name == "" {
			gs.Name = "(scattered)"
		}
		for state, n := range g.ByState {
			gs.States[state.String()] = n
		}
		st.Groups = append(st.Groups, gs)
	}
	for _, w := range s.Workers {
		ws := workerStatus{Name: w.Name, Addr: w.Addr, Threads: int(w.NThreads), Processing: w.Processing,
			Executing: w.Executing, Values: w.InMemory, MemoryLimit: w.MemoryLimit, Managed: w.ManagedBytes,
			InMemory: w.ManagedInMemory, Spilled: w.SpilledBytes, RSS: w.RSS, Paused: w.Paused, Retiring: w.Retiring}
		if w.MemoryLimit > 0 {
			ws.MemoryShare = float64(w.RSS) / float64(w.MemoryLimit)
		}
		st.Threads += ws.Threads
		st.MemoryLimit += w.MemoryLimit
		st.Managed += w.ManagedBytes
		st.Spilled += w.SpilledBytes
		st.Workers = append(st.Workers, ws)
	}
	sort.Slice(st.Workers, func(i, j int) bool { return st.Workers[i].Name < st.Workers[j].Name })
	return st
}

// collector turns each scrape into one snapshot's metrics.
type collector struct{ src Source }

var (
	descWorkers   = prometheus.NewDesc("gask_scheduler_workers", "Workers connected to the scheduler.", nil, nil)
	descThreads   = prometheus.NewDesc("gask_scheduler_threads", "Threads of the connected workers, in all.", nil, nil)
	descClients   = prometheus.NewDesc("gask_scheduler_clients", "Clients connected to the scheduler.", nil, nil)
	descTasks     = prometheus.NewDesc("gask_scheduler_tasks", "Tasks the scheduler knows, by state.", []string{"state"}, nil)
	descGroup     = prometheus.NewDesc("gask_scheduler_task_group_tasks", "Tasks the scheduler knows, by function and state.", []string{"group", "state"}, nil)
	descDone      = prometheus.NewDesc("gask_scheduler_tasks_completed_total", "Tasks that finished, by function.", []string{"group"}, nil)
	descErred     = prometheus.NewDesc("gask_scheduler_tasks_erred_total", "Tasks that failed for good, by function.", []string{"group"}, nil)
	descMean      = prometheus.NewDesc("gask_scheduler_task_duration_mean_seconds", "Running mean of task durations.", nil, nil)
	descWThreads  = prometheus.NewDesc("gask_worker_threads", "A worker's threads.", []string{"worker"}, nil)
	descWProc     = prometheus.NewDesc("gask_worker_processing_tasks", "Tasks assigned to a worker (running or waiting there).", []string{"worker"}, nil)
	descWExec     = prometheus.NewDesc("gask_worker_executing_tasks", "Tasks running on a worker.", []string{"worker"}, nil)
	descWValues   = prometheus.NewDesc("gask_worker_values", "Values a worker holds.", []string{"worker"}, nil)
	descWMemory   = prometheus.NewDesc("gask_worker_memory_bytes", "A worker's memory: managed (its values' sizes, in memory or on disk: managed_in_memory + spilled), managed_in_memory, spilled, rss.", []string{"worker", "type"}, nil)
	descWLimit    = prometheus.NewDesc("gask_worker_memory_limit_bytes", "A worker's memory limit; 0 is none.", []string{"worker"}, nil)
	descWSpillErr = prometheus.NewDesc("gask_worker_spill_errors_total", "Spills that failed on a worker.", []string{"worker"}, nil)
	descWPaused   = prometheus.NewDesc("gask_worker_paused", "1 while a worker is paused for memory.", []string{"worker"}, nil)
)

func (collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWorkers, descThreads, descClients, descTasks, descGroup, descDone, descErred,
		descMean, descWThreads, descWProc, descWExec, descWValues, descWMemory, descWLimit, descWSpillErr, descWPaused} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
	defer cancel()
	s, err := c.src.Snapshot(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descWorkers, err)
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	threads := 0
	for _, w := range s.Workers {
		threads += int(w.NThreads)
	}
	gauge(descWorkers, float64(len(s.Workers)))
	gauge(descThreads, float64(threads))
	gauge(descClients, float64(s.Clients))
	gauge(descMean, float64(s.Load.MeanDuration)/1e9)
	// Every state, zeros too, so that a series does not vanish.
	for st := scheduler.Released; st < scheduler.Forgotten; st++ {
		gauge(descTasks, float64(s.Tasks[st]), st.String())
	}
	for _, g := range s.Groups {
		name := label(g.Name)
		if name == "" {
			name = "(scattered)"
		}
		for st := scheduler.Released; st < scheduler.Forgotten; st++ {
			gauge(descGroup, float64(g.ByState[st]), name, st.String())
		}
		counter(descDone, float64(g.Done), name)
		counter(descErred, float64(g.Erred), name)
	}
	for _, w := range s.Workers {
		name := label(w.Name)
		gauge(descWThreads, float64(w.NThreads), name)
		gauge(descWProc, float64(w.Processing), name)
		gauge(descWExec, float64(w.Executing), name)
		gauge(descWValues, float64(w.InMemory), name)
		for typ, v := range map[string]int64{"managed": w.ManagedBytes, "managed_in_memory": w.ManagedInMemory,
			"spilled": w.SpilledBytes, "rss": w.RSS} {
			gauge(descWMemory, float64(v), name, typ)
		}
		gauge(descWLimit, float64(w.MemoryLimit), name)
		counter(descWSpillErr, float64(w.SpillErrors), name)
		paused := 0.0
		if w.Paused {
			paused = 1
		}
		gauge(descWPaused, paused, name)
	}
}

// label is a name from the network (a worker's) or from a program (a
// function's) as a label value, which must be UTF-8.
func label(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
