package dashboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
	"github.com/gask-dev/gask/dashboard"
)

func TestMain(m *testing.M) {
	gask.Main()
	goleak.VerifyTestMain(m)
}

var (
	inc  = gask.Func("dashtest.inc", func(ctx context.Context, x int) (int, error) { return x + 1, nil })
	fail = gask.Func("dashtest.fail", func(ctx context.Context, x int) (int, error) { return 0, errors.New("no") })
)

// cluster is a local cluster of two workers with a dashboard, which has
// run ten incs and one failing task. Their futures are kept alive until
// the test ends: the garbage collector would release the tasks, which the
// tests count.
func cluster(t *testing.T) (*dashboard.Server, []*gask.Future[int]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cl, err := local.New(ctx, local.Workers(2), local.Threads(1), local.MemoryLimit(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	d, err := dashboard.Listen("127.0.0.1:0", cl, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("dashboard Close: %v", err)
		}
	})
	c := cl.Client()
	futs := inc.Map(c, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	if _, err := gask.Gather(ctx, futs); err != nil {
		t.Fatal(err)
	}
	bad := fail.Submit(c, gask.V(1))
	if _, err := bad.Result(ctx); err == nil {
		t.Fatal("dashtest.fail succeeded")
	}
	t.Cleanup(func() { runtime.KeepAlive(futs); runtime.KeepAlive(bad) })
	return d, futs
}

func get(t *testing.T, url string) (string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v\n%s", url, resp.Status, err, b)
	}
	return string(b), resp.Header
}

func TestStatus(t *testing.T) {
	d, futs := cluster(t)
	body, hdr := get(t, d.URL()+"api/status")
	if ct := hdr.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var st struct {
		Threads int            `json:"threads"`
		Tasks   map[string]int `json:"tasks"`
		Groups  []struct {
			Name                 string
			Created, Done, Erred int
			States               map[string]int
		} `json:"groups"`
		Workers []struct {
			Name        string `json:"name"`
			Threads     int    `json:"threads"`
			MemoryLimit int64  `json:"memory_limit"`
			Values      int    `json:"values"`
		} `json:"workers"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("%v:\n%s", err, body)
	}
	if len(st.Workers) != 2 || st.Workers[0].Name != "local-1" || st.Workers[1].Name != "local-2" || st.Threads != 2 {
		t.Errorf("workers %+v, threads %d; want local-1 and local-2 of one thread", st.Workers, st.Threads)
	}
	values := 0
	for _, w := range st.Workers {
		values += w.Values
		if w.MemoryLimit != 1<<30 {
			t.Errorf("worker %s memory limit %d", w.Name, w.MemoryLimit)
		}
	}
	if values != 10 || st.Tasks["memory"] != 10 || st.Tasks["erred"] != 1 {
		t.Errorf("values held %d, tasks %v; want 10 in memory, 1 erred", values, st.Tasks)
	}
	groups := map[string]int{}
	for i, g := range st.Groups {
		groups[g.Name] = i
	}
	if g := st.Groups[groups["dashtest.inc"]]; g.Name != "dashtest.inc" || g.Created != 10 || g.Done != 10 || g.Erred != 0 || g.States["memory"] != 10 {
		t.Errorf("group dashtest.inc = %+v", g)
	}
	if g := st.Groups[groups["dashtest.fail"]]; g.Name != "dashtest.fail" || g.Created != 1 || g.Done != 0 || g.Erred != 1 {
		t.Errorf("group dashtest.fail = %+v", g)
	}
	for _, f := range futs {
		f.Release()
	}
}

func TestMetrics(t *testing.T) {
	d, _ := cluster(t)
	body, _ := get(t, d.URL()+"metrics")
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		f := families[name]
		if f == nil {
			return 0, false
		}
	metrics:
		for _, m := range f.Metric {
			for k, v := range labels {
				found := false
				for _, l := range m.Label {
					if l.GetName() == k && l.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue metrics
				}
			}
			switch {
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			}
		}
		return 0, false
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"gask_scheduler_workers", nil, 2},
		{"gask_scheduler_threads", nil, 2},
		{"gask_scheduler_clients", nil, 1},
		{"gask_scheduler_tasks", map[string]string{"state": "memory"}, 10},
		{"gask_scheduler_tasks", map[string]string{"state": "erred"}, 1},
		{"gask_scheduler_tasks", map[string]string{"state": "processing"}, 0},
		{"gask_scheduler_tasks_completed_total", map[string]string{"group": "dashtest.inc"}, 10},
		{"gask_scheduler_tasks_erred_total", map[string]string{"group": "dashtest.fail"}, 1},
		{"gask_scheduler_task_group_tasks", map[string]string{"group": "dashtest.inc", "state": "memory"}, 10},
		{"gask_worker_threads", map[string]string{"worker": "local-1"}, 1},
		{"gask_worker_memory_limit_bytes", map[string]string{"worker": "local-2"}, 1 << 30},
	} {
		if got, ok := value(tc.name, tc.labels); !ok || got != tc.want {
			t.Errorf("%s%v = %v (found: %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if f := families["gask_scheduler_tasks_completed_total"]; f == nil || f.GetType().String() != "COUNTER" {
		t.Errorf("gask_scheduler_tasks_completed_total is not a counter: %v", f)
	}
	if _, ok := families["go_goroutines"]; !ok {
		t.Error("no go_goroutines: the Go collector is missing")
	}
}

func TestPagesAndProfiles(t *testing.T) {
	d, _ := cluster(t)
	page, hdr := get(t, d.URL())
	if !strings.Contains(page, "<title>gask dashboard</title>") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Errorf("/ is not the dashboard (%s):\n%.200s", hdr.Get("Content-Type"), page)
	}
	if idx, _ := get(t, d.URL()+"debug/pprof/"); !strings.Contains(idx, "goroutine") {
		t.Errorf("/debug/pprof/ lists no goroutine profile:\n%.300s", idx)
	}
	resp, err := http.Get(d.URL() + "no-such-page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /no-such-page: %s, want 404", resp.Status)
	}
}

// TestInBrowser loads the dashboard in a real browser (Debian's chromium,
// headless) and reads the page its script rendered from /api/status.
func TestInBrowser(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("GASK_TEST_BROWSER") == "1" {
			t.Fatal("GASK_TEST_BROWSER=1 but there is no chromium")
		}
		t.Skip("no chromium here (apt-get install chromium)")
	}
	d, _ := cluster(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=3000", "--dump-dom", d.URL())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	dom := string(out)
	for _, want := range []string{
		`data-worker="local-1"`, `data-worker="local-2"`, // the workers table
		`data-group="dashtest.inc"`, `<td class="num" data-field="done">10 / 10</td>`, // progress
		`data-state="memory">memory: 10<`, // the task states
		"2 workers, 2 threads",            // the summary
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page the browser rendered lacks %s:\n%s", want, dom)
			break
		}
	}
	if !strings.Contains(dom, `<span id="error"></span>`) {
		t.Errorf("the page says the scheduler is unreachable:\n%s", dom)
	}
}
