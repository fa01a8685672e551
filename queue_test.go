package gojinn_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

const adminBase = "http://localhost:2999"

// queueServer starts Caddy with the gojinn block's queue lines (each
// running queue-probe) and the site's routes.
func queueServer(t *testing.T, queues, site string) (*caddytest.Tester, string) {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	probe := guestPath(t, "queue-probe")
	g := strings.TrimSuffix(globals(logFile), "}\n")
	g += fmt.Sprintf("\tgojinn {\n\t\tdata_dir %s\n%s\n\t}\n}\n", stateDir(t), strings.ReplaceAll(queues, "PROBE", probe))
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{TestRequestTimeout: 30 * time.Second, LoadRequestTimeout: 2 * time.Minute})
	tester.InitServer(g+"\n"+strings.ReplaceAll(site, "PROBE", probe), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	tester.Client.Transport = handoverRetry{next: tester.Client.Transport}
	return tester, logFile
}

// probeRun is one run of queue-probe, as its stderr line logged it.
type probeRun struct {
	JobID, Attempt, Trigger, URI, Body string
	Raw                                string
	At                                 float64 // the log entry's ts, in seconds
}

var runLine = regexp.MustCompile(`^run (\{.*\})$`)

// probeRuns reads the runs of queue-probe from Caddy's log.
func probeRuns(t *testing.T, logFile string) []probeRun {
	t.Helper()
	f, err := os.Open(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var runs []probeRun
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct {
			Msg string  `json:"msg"`
			TS  float64 `json:"ts"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		m := runLine.FindStringSubmatch(e.Msg)
		if m == nil {
			continue
		}
		var req struct {
			URI     string              `json:"uri"`
			Headers map[string][]string `json:"headers"`
			Body    string              `json:"body"`
		}
		if err := json.Unmarshal([]byte(m[1]), &req); err != nil {
			t.Fatalf("run line %q: %v", m[1], err)
		}
		first := func(k string) string {
			if v := req.Headers[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		runs = append(runs, probeRun{
			JobID: first("X-Gojinn-Job-Id"), Attempt: first("X-Gojinn-Attempt"), Trigger: first("X-Gojinn-Trigger"),
			URI: req.URI, Body: req.Body, Raw: m[1], At: e.TS,
		})
	}
	return runs
}

// waitRuns polls the log until cond holds of the runs.
func waitRuns(t *testing.T, logFile string, what string, cond func([]probeRun) bool) []probeRun {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		runs := probeRuns(t, logFile)
		if cond(runs) {
			return runs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; %d runs", what, len(runs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func runsOf(runs []probeRun, id string) []probeRun {
	var out []probeRun
	for _, r := range runs {
		if r.JobID == id {
			out = append(out, r)
		}
	}
	return out
}

// enqueue posts body to url and returns the job id from the 202.
func enqueue(t *testing.T, c *http.Client, url, body string, header map[string]string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		JobID string `json:"job_id"`
	}
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(b, &out) != nil || out.JobID == "" {
		t.Fatalf("enqueue: %d %s", resp.StatusCode, b)
	}
	return out.JobID
}

func adminJSON(t *testing.T, method, path string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, adminBase+path, nil)
	req.Header.Set("Origin", adminBase) // the admin API checks it on writes
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

const queueSite = `http://127.0.0.1:9080 {
	handle /flaky {
		gojinn_enqueue flaky
	}
	handle /work {
		gojinn_enqueue work
	}
	handle /fn {
		gojinn PROBE
	}
}`

const queueLines = `		queue flaky PROBE {
			max_attempts 3
			backoff 100ms 1s
			concurrency 2
			timeout 5s
		}
		queue work PROBE {
			max_attempts 2
			backoff 50ms
			concurrency 16
			max_job_size 2KB
			timeout 5s
		}`

// TestQueues, through Caddy and the embedded JetStream: retries with
// growing delays, dead letters and their requeue through the admin API,
// 1,000 concurrent jobs, idempotency keys, 413, and forged X-Gojinn-*
// headers removed.
func TestQueues(t *testing.T) {
	tester, logFile := queueServer(t, queueLines, queueSite)
	c := tester.Client

	t.Run("fails twice then succeeds", func(t *testing.T) {
		id := enqueue(t, c, base+"/flaky", "fail-until-3", map[string]string{"Authorization": "Bearer s3cret"})
		runs := waitRuns(t, logFile, "3 runs", func(r []probeRun) bool { return len(runsOf(r, id)) >= 3 })
		time.Sleep(500 * time.Millisecond) // a 4th run would show by now
		runs = runsOf(probeRuns(t, logFile), id)
		if len(runs) != 3 {
			t.Fatalf("%d runs, want 3", len(runs))
		}
		for i, r := range runs {
			if r.Attempt != fmt.Sprint(i+1) || r.Trigger != "queue" || r.URI != "/queue/flaky" || r.Body != "fail-until-3" {
				t.Fatalf("run %d: %+v", i+1, r)
			}
			if !strings.Contains(r.Raw, `"Authorization":["Bearer s3cret"]`) {
				t.Fatalf("run %d lacks the original header: %s", i+1, r.Raw)
			}
		}
		// Each retry waits at least its backoff (100ms, then 200ms, less
		// the 20 % jitter): lower bounds only, which load cannot break.
		if gap1, gap2 := runs[1].At-runs[0].At, runs[2].At-runs[1].At; gap1 < 0.08 || gap2 < 0.16 {
			t.Fatalf("retries after %.3fs and %.3fs, want at least 0.08s and 0.16s", gap1, gap2)
		}
		var st struct{ State, ID string }
		for deadline := time.Now().Add(10 * time.Second); st.State != "done" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			adminJSON(t, http.MethodGet, "/gojinn/jobs/"+id, &st)
		}
		if st.State != "done" || st.ID != id {
			t.Fatalf("job state %+v, want done", st)
		}
	})

	t.Run("always failing goes to the dead letters and is requeued", func(t *testing.T) {
		id := enqueue(t, c, base+"/work", "always-fail", map[string]string{"Cookie": "session=1"})
		var dead struct {
			Jobs []struct {
				ID       string              `json:"id"`
				Reason   string              `json:"reason"`
				Attempts int                 `json:"attempts"`
				Headers  map[string][]string `json:"headers"`
			} `json:"jobs"`
		}
		for deadline := time.Now().Add(20 * time.Second); len(dead.Jobs) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			adminJSON(t, http.MethodGet, "/gojinn/queues/work/dead", &dead)
		}
		if len(dead.Jobs) != 1 || dead.Jobs[0].ID != id || dead.Jobs[0].Attempts != 2 || dead.Jobs[0].Reason != "status 500" {
			t.Fatalf("dead letters %+v", dead)
		}
		if got := dead.Jobs[0].Headers["Cookie"]; len(got) != 1 || got[0] != "REDACTED" {
			t.Fatalf("Cookie shown as %q", got)
		}
		if n := len(runsOf(probeRuns(t, logFile), id)); n != 2 {
			t.Fatalf("%d runs before the dead letter, want 2", n)
		}
		if code := adminJSON(t, http.MethodPost, "/gojinn/queues/work/dead/"+id+"/requeue", nil); code != http.StatusOK {
			t.Fatalf("requeue: %d", code)
		}
		waitRuns(t, logFile, "the requeued job's runs", func(r []probeRun) bool {
			rs := runsOf(r, id)
			return len(rs) == 4 && rs[2].Attempt == "1" && strings.Contains(rs[2].Raw, `"Cookie":["session=1"]`)
		})
		if code := adminJSON(t, http.MethodDelete, "/gojinn/queues/work/dead/"+id, nil); code != http.StatusNoContent {
			// the requeued job died again: delete it for good
			t.Fatalf("delete: %d", code)
		}
		if code := adminJSON(t, http.MethodDelete, "/gojinn/queues/work/dead/"+id, nil); code != http.StatusNotFound {
			t.Fatalf("second delete: %d, want 404", code)
		}
	})

	t.Run("1000 concurrent jobs", func(t *testing.T) {
		ids := make(chan string, 1000)
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				for range 1000 / 32 {
					ids <- enqueue(t, c, base+"/work", "ok", nil)
				}
			})
		}
		for range 1000 - 32*(1000/32) {
			ids <- enqueue(t, c, base+"/work", "ok", nil)
		}
		wg.Wait()
		close(ids)
		want := map[string]bool{}
		for id := range ids {
			want[id] = true
		}
		if len(want) != 1000 {
			t.Fatalf("%d distinct job ids, want 1000", len(want))
		}
		waitRuns(t, logFile, "1000 jobs", func(r []probeRun) bool {
			n := 0
			for _, run := range r {
				if want[run.JobID] {
					n++
				}
			}
			return n >= 1000
		})
		seen := map[string]int{}
		for _, run := range probeRuns(t, logFile) {
			if want[run.JobID] {
				seen[run.JobID]++
			}
		}
		for id := range want {
			if seen[id] != 1 {
				t.Fatalf("job %s ran %d times", id, seen[id])
			}
		}
	})

	t.Run("idempotency key", func(t *testing.T) {
		h := map[string]string{"Idempotency-Key": "order-42"}
		a := enqueue(t, c, base+"/flaky", "once", h)
		b := enqueue(t, c, base+"/flaky", "once", h)
		if a != b {
			t.Fatalf("job ids %s and %s for one idempotency key", a, b)
		}
		waitRuns(t, logFile, "the job", func(r []probeRun) bool { return len(runsOf(r, a)) >= 1 })
		time.Sleep(300 * time.Millisecond)
		if n := len(runsOf(probeRuns(t, logFile), a)); n != 1 {
			t.Fatalf("%d runs, want 1", n)
		}
	})

	t.Run("too large", func(t *testing.T) {
		resp, _ := do(t, tester, newRequest(t, http.MethodPost, base+"/work", strings.NewReader(strings.Repeat("x", 3000))))
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", resp.StatusCode)
		}
	})

	t.Run("unknown queue fails the load", func(t *testing.T) {
		cfg := globals(filepath.Join(t.TempDir(), "caddy.log")) + "\nhttp://127.0.0.1:9080 {\n\tgojinn_enqueue nosuch\n}\n"
		resp, err := http.Post(adminBase+"/load", "text/caddyfile", strings.NewReader(cfg))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || !strings.Contains(string(body), `no queue \"nosuch\"`) {
			t.Fatalf("load: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("forged X-Gojinn headers removed on enqueue", func(t *testing.T) {
		h := map[string]string{"X-Gojinn-Trigger": "cron", "X-Gojinn-Job-Id": "forged", "X-Gojinn-Attempt": "9", "x-gojinn-other": "1"}
		id := enqueue(t, c, base+"/flaky", "spoof-check", h)
		runs := waitRuns(t, logFile, "the job", func(r []probeRun) bool { return len(runsOf(r, id)) >= 1 })
		if r := runsOf(runs, id)[0]; r.Trigger != "queue" || r.Attempt != "1" || strings.Contains(r.Raw, "forged") || strings.Contains(r.Raw, "Other") {
			t.Fatalf("a forged header reached the job: %s", r.Raw)
		}
	})

	t.Run("forged X-Gojinn headers removed on gojinn routes", func(t *testing.T) {
		h := map[string]string{"X-Gojinn-Trigger": "cron", "X-Gojinn-Job-Id": "forged", "x-gojinn-other": "1"}
		req := newRequest(t, http.MethodPost, base+"/fn", strings.NewReader("http-forged-check"))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		if resp, _ := do(t, tester, req); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, r := range probeRuns(t, logFile) {
			if r.Body == "http-forged-check" && strings.Contains(strings.ToLower(r.Raw), "x-gojinn") {
				t.Fatalf("a forged header reached the handler: %s", r.Raw)
			}
		}
	})
}

// TestQueueSurvivesKill: Caddy killed with kill -9 while jobs run loses
// none: the next process runs every job to done (those in flight again,
// after the ack wait).
func TestQueueSurvivesKill(t *testing.T) {
	bin := buildCaddy(t)
	port, admin := freeTCPPort(t), freeTCPPort(t)
	caddyfile := fmt.Sprintf(`{
	admin 127.0.0.1:%s
	default_bind 127.0.0.1
	http_port %s
	gojinn {
		data_dir %s
		queue slow %s {
			concurrency 4
			timeout 5s
			queue_timeout 1s
		}
	}
}
http://127.0.0.1:%s {
	gojinn_enqueue slow
}
`, admin, port, t.TempDir(), guestPath(t, "nap"), port)
	url := "http://127.0.0.1:" + port + "/"
	c := &http.Client{Timeout: 30 * time.Second}
	p := startCaddy(t, bin, caddyfile, url+"warmup")
	ids := []string{}
	for i := range 40 { // 300 ms each, 4 at once: runs in flight for 3 s
		ids = append(ids, enqueue(t, c, url, fmt.Sprint("job-", i), nil))
	}
	jobURL := "http://127.0.0.1:" + admin + "/gojinn/jobs/"
	state := func(id string) string {
		var st struct{ State string }
		if resp, err := c.Get(jobURL + id); err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		return st.State
	}
	seen := map[string]bool{}
	for deadline := time.Now().Add(30 * time.Second); !seen["running"]; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no job started: states %v", seen)
		}
		for _, id := range ids {
			seen[state(id)] = true
		}
	}
	// At least one job is running (in flight) at the kill; on a slow
	// machine the others may all have started or ended by now.
	t.Logf("states at the kill: %v", seen)
	p.stop(t, syscall.SIGKILL)

	startCaddy(t, bin, caddyfile, url+"warmup")
	for _, id := range ids {
		for deadline := time.Now().Add(60 * time.Second); state(id) != "done"; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("job %s: state %q, want done", id, state(id))
			}
		}
	}
}
