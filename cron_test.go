package gojinn_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/gojinn/gojinn"
)

// cronSite is a site block for configs whose point is their crons.
const cronSite = "http://127.0.0.1:9080 {\n\trespond %q\n}\n"

// cronConfig is a Caddyfile with crons in its gojinn block.
func cronConfig(logFile, crons, site string) string {
	return strings.Replace(globals(logFile), "\n}\n", "\n\tgojinn {\n"+crons+"\n\t}\n}\n", 1) + fmt.Sprintf(cronSite, site)
}

// cronRun is one run of a cron, as the echo-stderr guest logged its
// contract request.
type cronRun struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers"`
}

// cronEntries are the log entries of the cron name's function.
func cronEntries(t *testing.T, logFile, name string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range logEntries(t, logFile, "gojinn") {
		if e["handler"] == "cron:"+name {
			out = append(out, e)
		}
	}
	return out
}

// cronRuns are the runs of the cron name found in Caddy's log, in order.
func cronRuns(t *testing.T, logFile, name string) []cronRun {
	t.Helper()
	var runs []cronRun
	for _, e := range cronEntries(t, logFile, name) {
		msg, _ := e["msg"].(string)
		var r cronRun
		if json.Unmarshal([]byte(msg), &r) == nil {
			runs = append(runs, r)
		}
	}
	return runs
}

// waitForCronRuns polls Caddy's log until the cron name ran n times.
func waitForCronRuns(t *testing.T, logFile, name string, n int) []cronRun {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // n runs take n s
	for {
		if runs := cronRuns(t, logFile, name); len(runs) >= n {
			return runs
		}
		if time.Now().After(deadline) {
			t.Fatalf("cron %s did not run %d times in 30s; log:\n%s", name, n, readFile(t, logFile))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// scheduledAt reads a run's X-Gojinn-Scheduled-At.
func scheduledAt(t *testing.T, r cronRun) time.Time {
	t.Helper()
	v := r.Headers["X-Gojinn-Scheduled-At"]
	if len(v) != 1 {
		t.Fatalf("run %+v: X-Gojinn-Scheduled-At = %q, want one value", r, v)
	}
	at, err := time.Parse(time.RFC3339, v[0])
	if err != nil {
		t.Fatalf("X-Gojinn-Scheduled-At %q: %v", v[0], err)
	}
	return at
}

// cronStatus reads GET /gojinn/cron on Caddy's admin listener.
func cronStatus(t *testing.T) []gojinn.CronStatus {
	t.Helper()
	resp, err := http.Get("http://localhost:2999/gojinn/cron")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var status []gojinn.CronStatus
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /gojinn/cron: %d, %v", resp.StatusCode, err)
	}
	return status
}

// TestCronFires: `@every 1s` and a 6-field schedule with seconds and a
// CRON_TZ= prefix run their function once a second with the contract
// request POST /cron/<name>, one run per tick; GET /gojinn/cron on the
// admin API has the last and next runs.
func TestCronFires(t *testing.T) {
	echo := guestPath(t, "echo-stderr")
	tester, logFile := server(t, "http://127.0.0.1:9080 {\n\trespond ok\n}\n")
	tester.InitServer(cronConfig(logFile, fmt.Sprintf(`
		cron every "@every 1s" %[1]s
		cron tokyo "CRON_TZ=Asia/Tokyo * * * * * *" %[1]s {
			timeout 5s
		}`, echo), "ok"), "caddyfile")

	for _, name := range []string{"every", "tokyo"} {
		runs := waitForCronRuns(t, logFile, name, 3)
		var prev time.Time
		for _, r := range runs {
			if r.Method != "POST" || r.URI != "/cron/"+name || fmt.Sprint(r.Headers["X-Gojinn-Trigger"]) != "[cron]" {
				t.Fatalf("run = %+v, want POST /cron/%s with X-Gojinn-Trigger: cron", r, name)
			}
			at := scheduledAt(t, r)
			if !at.After(prev) || at.Nanosecond() != 0 {
				t.Fatalf("cron %s: tick %v after %v: want whole seconds, each once, in order", name, at, prev)
			}
			prev = at
		}
		if zone := runs[0].Headers["X-Gojinn-Scheduled-At"][0]; name == "tokyo" && !strings.HasSuffix(zone, "+09:00") {
			t.Errorf("CRON_TZ=Asia/Tokyo: X-Gojinn-Scheduled-At = %s, want Tokyo time", zone)
		}
	}

	status := cronStatus(t)
	if len(status) != 2 || status[0].Name != "every" || status[0].Schedule != "@every 1s" || status[1].Name != "tokyo" {
		t.Fatalf("status = %+v, want every then tokyo", status)
	}
	for _, s := range status {
		if s.LastRun == nil || s.NextRun == nil || !s.NextRun.After(*s.LastRun) || s.LastOutcome != "ok" || s.LastStatus != 200 || s.Skipped != 0 {
			t.Errorf("status = %+v, want a last run ok (200), a next run after it, nothing skipped", s)
		}
	}
}

// TestCronSkipsTicks: a run still going when the next tick comes makes
// that tick skipped, counted (metric, status) and logged at debug level,
// never a second run at once; the run's failure (here its timeout) is
// counted by outcome.
func TestCronSkipsTicks(t *testing.T) {
	sleep := guestPath(t, "sleep") // sleeps 30 s; its timeout stops it at 2.5 s
	tester, logFile := server(t, "http://127.0.0.1:9080 {\n\trespond ok\n}\n")
	tester.InitServer(cronConfig(logFile, fmt.Sprintf(`
		cron slow "@every 1s" %s {
			timeout 2500ms
		}`, sleep), "ok"), "caddyfile")

	// The first run ends at 2.5 s; the ticks at 1 s and 2 s into it are
	// skipped (at least one of them even on a slow machine).
	mfs := waitForMetric(t, "a cron run to time out", func(mfs families) bool {
		return cronValue(mfs, "gojinn_cron_runs_total", "slow", "timeout") >= 1
	})
	skipped := cronValue(mfs, "gojinn_cron_skipped_ticks_total", "slow", "")
	if skipped < 1 {
		t.Fatalf("gojinn_cron_skipped_ticks_total{cron=slow} = %v after a 2.5 s run on a 1 s schedule, want >= 1", skipped)
	}
	if ok := cronValue(mfs, "gojinn_cron_runs_total", "slow", "ok"); ok > 0 {
		t.Fatalf("%v runs ended ok, want none (each times out)", ok)
	}
	status := cronStatus(t)
	if len(status) != 1 || status[0].Skipped < 1 {
		t.Fatalf("status = %+v, want skipped ticks counted", status)
	}
	waitForLog(t, logFile, "gojinn", func(e map[string]any) bool {
		return e["level"] == "debug" && strings.HasPrefix(fmt.Sprint(e["msg"]), "cron tick skipped") && e["cron"] == "slow"
	})
	// The timeout is the run's failure, logged once by the function.
	waitForLog(t, logFile, "gojinn", func(e map[string]any) bool {
		return e["msg"] == "guest failed" && e["handler"] == "cron:slow" && e["outcome"] == "timeout" && e["uri"] == "/cron/slow"
	})
}

// cronValue is the value of the cron counter name for cron and (when not
// "") outcome; 0 when absent.
func cronValue(mfs families, name, cron, outcome string) float64 {
	for _, m := range mfs[name].GetMetric() {
		l := labels(m)
		if l["cron"] == cron && (outcome == "" || l["outcome"] == outcome) {
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestCronReload: across reloads, the old config's schedule stops and the
// new one's starts; a tick is never run twice (by the two configs a
// reload briefly runs at once), and a schedule the new config drops
// stops.
func TestCronReload(t *testing.T) {
	echo := guestPath(t, "echo-stderr")
	tester, logFile := server(t, "http://127.0.0.1:9080 {\n\trespond ok\n}\n")
	crons := fmt.Sprintf("\t\tcron keep \"@every 1s\" %[1]s\n\t\tcron drop \"@every 1s\" %[1]s", echo)
	tester.InitServer(cronConfig(logFile, crons, "v1"), "caddyfile")
	waitForCronRuns(t, logFile, "keep", 2)
	for i := 2; i <= 4; i++ {
		tester.InitServer(cronConfig(logFile, crons, fmt.Sprintf("v%d", i)), "caddyfile")
		time.Sleep(300 * time.Millisecond)
	}
	tester.InitServer(cronConfig(logFile, fmt.Sprintf("\t\tcron keep \"@every 1s\" %s", echo), "v5"), "caddyfile")
	dropped := len(cronEntries(t, logFile, "drop"))
	before := len(cronRuns(t, logFile, "keep"))
	runs := waitForCronRuns(t, logFile, "keep", before+3)

	seen := map[time.Time]bool{}
	for _, r := range runs {
		at := scheduledAt(t, r)
		if seen[at] {
			t.Fatalf("tick %v ran twice", at)
		}
		seen[at] = true
	}
	if n := len(cronEntries(t, logFile, "drop")); n != dropped {
		t.Fatalf("cron drop logged %d times after the config that dropped it loaded", n-dropped)
	}
	if status := cronStatus(t); len(status) != 1 || status[0].Name != "keep" {
		t.Fatalf("status = %+v, want keep alone", status)
	}
}

// TestCronAdaptErrors: a bad cron line fails at adapt time, naming the
// file, the line and the problem; a good one adapts to the app's JSON,
// its block to the function, and the options after it still parse.
func TestCronAdaptErrors(t *testing.T) {
	adapt := func(block string) ([]byte, error) {
		cfg := "{\n\tgojinn {\n" + block + "\n\t}\n}\n:8080 {\n\trespond ok\n}\n"
		out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		return out, err
	}
	cases := []struct {
		block, want string
		line        int
	}{
		{`cron a "@every 1s"`, "cron takes a name, a schedule and a module path", 3},
		{`cron a "* * *" /x.wasm`, `cron a: schedule "* * *": expected 5 to 6 fields`, 3},
		{`cron a "@sometimes" /x.wasm`, `schedule "@sometimes"`, 3},
		{`cron a "CRON_TZ=Nowhere/Atlantis @hourly" /x.wasm`, `schedule "CRON_TZ=Nowhere/Atlantis @hourly"`, 3},
		{`cron "a b" @hourly /x.wasm`, `cron: "a b" is not a valid name`, 3},
		{"cron a @hourly /x.wasm\n\t\tcron a @daily /y.wasm", "cron a is given twice", 4},
		{"cron a @hourly /x.wasm {\n\t\t\tnope\n\t\t}", `unknown subdirective "nope"`, 4},
	}
	for _, tc := range cases {
		_, err := adapt("\t\t" + tc.block)
		at := fmt.Sprintf("at /etc/caddy/Caddyfile:%d", tc.line)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), at) {
			t.Errorf("%q: err = %v, want one saying %q %s", tc.block, err, tc.want, at)
		}
	}

	out, err := adapt("\t\tcron nightly \"CRON_TZ=UTC 0 3 * * *\" /x.wasm {\n\t\t\ttimeout 1m\n\t\t\tkv reports\n\t\t}\n\t\tdata_dir /d")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Apps struct {
			Gojinn struct {
				DataDir string `json:"data_dir"`
				Crons   []struct {
					Name, Schedule string
					Function       map[string]any
				} `json:"crons"`
			} `json:"gojinn"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	g := cfg.Apps.Gojinn
	if g.DataDir != "/d" || len(g.Crons) != 1 || g.Crons[0].Name != "nightly" || g.Crons[0].Schedule != "CRON_TZ=UTC 0 3 * * *" ||
		g.Crons[0].Function["path"] != "/x.wasm" || g.Crons[0].Function["timeout"] == nil || g.Crons[0].Function["kv"] == nil {
		t.Fatalf("adapted to %s", out)
	}
}

// TestCronStopGrace: a config reload that drops a schedule lets its run in
// flight go on for the grace period (5 s), then cancels it; the load
// waits for that, so the old function is never released under a run.
func TestCronStopGrace(t *testing.T) {
	sleep := guestPath(t, "sleep") // sleeps 30 s
	tester, logFile := server(t, "http://127.0.0.1:9080 {\n\trespond ok\n}\n")
	tester.InitServer(cronConfig(logFile, fmt.Sprintf(`
		cron long "@every 1s" %s {
			timeout 1m
		}`, sleep), "v1"), "caddyfile")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status := cronStatus(t)
		if len(status) == 1 && status[0].Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not start in 30s: %+v", status)
		}
	}
	start := time.Now()
	tester.InitServer(cronConfig(logFile, "", "v2"), "caddyfile")
	if took := time.Since(start); took < 4*time.Second {
		t.Errorf("the reload took %v, want the run given its 5 s grace period", took)
	}
	// Cancelled, not left to its 30 s sleep (which would end ok).
	waitForLog(t, logFile, "gojinn", func(e map[string]any) bool {
		return e["msg"] == "guest failed" && e["handler"] == "cron:long" && e["outcome"] == "canceled"
	})
	waitForLog(t, logFile, "gojinn", func(e map[string]any) bool {
		return strings.HasPrefix(fmt.Sprint(e["msg"]), "cron run still going after the grace period") && e["cron"] == "long"
	})
}

// TestCronLoadErrors: a JSON config is checked when it loads as the
// Caddyfile is when it adapts (a bad schedule, a name given twice, no
// function).
func TestCronLoadErrors(t *testing.T) {
	echo := guestPath(t, "echo-stderr")
	fn := fmt.Sprintf(`{"path": %q}`, echo)
	cases := []struct{ crons, want string }{
		{`[{"name": "a", "schedule": "61 * * * *", "function": ` + fn + `}]`, `cron a: schedule "61 * * * *"`},
		{`[{"name": "a", "schedule": "@hourly", "function": ` + fn + `}, {"name": "a", "schedule": "@daily", "function": ` + fn + `}]`, "cron a is given twice"},
		{`[{"name": "", "schedule": "@hourly", "function": ` + fn + `}]`, `cron: "" is not a valid name`},
		{`[{"name": "a", "schedule": "@hourly"}]`, "cron:a: no WebAssembly module path given"},
	}
	for _, tc := range cases {
		cfg := new(caddy.Config)
		if err := json.Unmarshal([]byte(`{"apps": {"gojinn": {"crons": `+tc.crons+`}}}`), cfg); err != nil {
			t.Fatal(err)
		}
		if err := caddy.Validate(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.crons, err, tc.want)
		}
	}
}
