package gojinn_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/chromedp/chromedp"
)

// dashboardSite is handlersSite with the dashboard placed twice: under
// a stripped prefix (handle_path) and a kept one (handle).
func dashboardSite(t *testing.T) string {
	return handlersSite(t, `	handle_path /ops/* {
		gojinn_dashboard
	}
	handle /kept/* {
		gojinn_dashboard
	}
`)
}

// chromium returns the path of a headless-capable Chromium, or skips the
// test where there is none, except in CI (CI set), where it must run.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium in PATH: CI must run the dashboard's browser test (.ci/run installs Debian's chromium package)")
	}
	t.Skip("no chromium in PATH: the dashboard's browser test needs it (apt-get install chromium)")
	return ""
}

// browser starts a headless Chromium for the test.
func browser(t *testing.T, execPath string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox, // the tests run as root
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1400, 800),
	)
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel = chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestDashboardInBrowser(t *testing.T) {
	execPath := chromium(t)
	tester, _ := server(t, dashboardSite(t))

	// Load: hello all along, and one trap (recorded as a crash).
	loadCtx, stopLoad := context.WithCancel(context.Background())
	var load sync.WaitGroup
	load.Go(func() {
		for loadCtx.Err() == nil {
			req, _ := http.NewRequestWithContext(loadCtx, http.MethodGet, base+"/ok", nil)
			if resp, err := tester.Client.Do(req); err == nil {
				resp.Body.Close()
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	t.Cleanup(func() { stopLoad(); load.Wait() })
	if resp, _ := do(t, tester, newRequest(t, http.MethodGet, base+"/trap?input=boom", nil)); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("/trap: %d, want 502", resp.StatusCode)
	}

	ctx := browser(t, execPath)
	requests := chromedp.CSS(`#handlers tr[data-handler="hello"] td.requests`)
	for _, page := range []string{base + "/kept/", base + "/ops/"} { // the last one is shot
		if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(requests)); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		n1 := shownCount(ctx, t, requests)
		// The page refreshes itself: the count it shows goes up (read
		// until it does, up to a minute, so load cannot fail the test).
		n2 := n1
		for deadline := time.Now().Add(time.Minute); n2 <= n1 && time.Now().Before(deadline); {
			time.Sleep(200 * time.Millisecond)
			n2 = shownCount(ctx, t, requests)
		}
		if n2 <= n1 {
			t.Fatalf("%s: hello's request count stayed at %d", page, n1)
		}
	}

	// The trap's crash is listed with its replay command; a rate needs
	// two samples.
	replay, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#crashes tbody tr td.replay code`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(replay, "gojinn replay ") || !strings.Contains(replay, "trap") {
		t.Errorf("crash replay command %q", replay)
	}
	rps := chromedp.CSS(`#handlers tr[data-handler="hello"] td.rps`)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`(() => { const c = document.querySelector('#handlers tr[data-handler="hello"] td.rps'); return c !== null && parseFloat(c.textContent) > 0; })()`,
		chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("no requests/s shown for hello: %v", err)
	}
	rate, err := chromedp.Run(ctx, chromedp.Text(rps))
	if err != nil {
		t.Fatal(err)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	dom, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "dashboard.png")
	if os.Getenv("GOJINN_SCREENSHOT") != "" {
		out = filepath.Join("docs", "dashboard.png")
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("hello at %s req/s; screenshot: %s", rate, out)
	for _, secret := range []string{envSecret, debugSecret} {
		if strings.Contains(dom, secret) {
			t.Errorf("the rendered page shows the secret %q", secret)
		}
	}
}

// TestDashboardServes checks the dashboard's routes without a browser:
// its JSON and files hold no secret, it is read-only, and it serves
// nothing outside the routes it is placed on.
func TestDashboardServes(t *testing.T) {
	tester, _ := server(t, dashboardSite(t))
	// Requests carrying secrets in headers, one of them a recorded crash.
	const authSecret = "Bearer auth-secret-5d0e9b27"
	for _, path := range []string{"/ok", "/trap"} {
		req := newRequest(t, http.MethodGet, base+path+"?q=1", nil)
		req.Header.Set("Authorization", authSecret)
		req.Header.Set("X-Gojinn-Debug", debugSecret)
		do(t, tester, req)
	}
	// The crash record is written off the request path.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, state := do(t, tester, newRequest(t, http.MethodGet, base+"/ops/state.json", nil))
		if strings.Contains(state, `"outcome":"trap"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("state.json lacks the trap's crash: %s", state)
		}
	}
	for _, path := range []string{"/ops/", "/ops/index.html", "/ops/dashboard.js", "/ops/dashboard.css", "/ops/state.json", "/kept/state.json"} {
		resp, body := do(t, tester, newRequest(t, http.MethodGet, base+path, nil))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
		for _, secret := range []string{envSecret, debugSecret, authSecret} {
			if strings.Contains(body, secret) {
				t.Errorf("GET %s shows the secret %q", path, secret)
			}
		}
		if strings.HasSuffix(path, "state.json") && !strings.Contains(body, `"name":"hello"`) {
			t.Errorf("GET %s lacks the handler hello: %s", path, body)
		}
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		if resp, _ := do(t, tester, newRequest(t, method, base+"/ops/state.json", strings.NewReader("{}"))); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /ops/state.json: %d, want 405", method, resp.StatusCode)
		}
	}
	for _, path := range []string{"/ops/nothing", "/ops/../gojinn/handlers", "/state.json", "/dashboard.js"} {
		resp, body := do(t, tester, newRequest(t, http.MethodGet, base+path, nil))
		if resp.StatusCode == http.StatusOK && body != "" {
			t.Errorf("GET %s: %d %q; want nothing served", path, resp.StatusCode, body)
		}
	}
}

// shownCount reads the count an element shows.
func shownCount(ctx context.Context, t *testing.T, sel chromedp.CSS) int {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not a count: %q", s)
	}
	return n
}

// TestDashboardQueues: with a gojinn app, the dashboard's data has its
// queues, with their dead letters, and their functions as handlers.
func TestDashboardQueues(t *testing.T) {
	tester, _ := queueServer(t, `		queue work PROBE {
			max_attempts 1
			timeout 5s
		}`, queueDashboardSite)
	enqueue(t, tester.Client, base+"/work", "always-fail", nil)
	var state queueDashboardState
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		state = readQueueDashboard(t, tester)
		if len(state.Queues) == 1 && state.Queues[0].Dead == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dead letter in queue work: %+v", state)
		}
	}
	if state.Queues[0].Name != "work" || len(state.Handlers) != 1 || !state.Handlers[0].Trigger || state.Handlers[0].Requests.Total != 1 {
		t.Fatalf("state %+v, want queue work and its function (a trigger) with its one run", state)
	}

	// The page shows them.
	ctx := browser(t, chromium(t))
	dead := chromedp.CSS(`#queues tr[data-queue="work"] td.dead`)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ops/"), chromedp.WaitVisible(dead),
		chromedp.WaitVisible(chromedp.CSS(`#handlers tr[data-handler] .badge`))); err != nil {
		t.Fatal(err)
	}
	if n := shownCount(ctx, t, dead); n != 1 {
		t.Fatalf("the page shows %d dead letters, want 1", n)
	}
}

// queueDashboardSite enqueues to the queue work and serves the dashboard.
const queueDashboardSite = `http://127.0.0.1:9080 {
	handle /work {
		gojinn_enqueue work
	}
	handle_path /ops/* {
		gojinn_dashboard
	}
}`

// queueDashboardState is what the queue tests read of state.json.
type queueDashboardState struct {
	Handlers []struct {
		Name     string
		Trigger  bool
		Requests struct{ Total int64 }
	}
	Queues []struct {
		Name string
		Dead int
	}
}

func readQueueDashboard(t *testing.T, tester *caddytest.Tester) queueDashboardState {
	t.Helper()
	resp, body := do(t, tester, newRequest(t, http.MethodGet, base+"/ops/state.json", nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("state.json: %d %s", resp.StatusCode, body)
	}
	var state queueDashboardState
	if err := json.Unmarshal([]byte(body), &state); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return state
}

// TestDashboardDeadLettersCounted: while jobs keep dying, every state.json
// counts the run of each dead letter it shows (with max_attempts 1, a
// dead letter is one run). The state read the runs first and the queues
// after (three JetStream requests), so a job that died in between showed
// as a dead letter of a run not counted (seen in CI in TestDashboardQueues).
func TestDashboardDeadLettersCounted(t *testing.T) {
	tester, _ := queueServer(t, `		queue work PROBE {
			max_attempts 1
			concurrency 8
		}`, queueDashboardSite)
	const jobs = 60
	check := func(s queueDashboardState) int {
		t.Helper()
		if len(s.Queues) != 1 || len(s.Handlers) != 1 {
			t.Fatalf("state %+v, want one queue and its function", s)
		}
		if runs := s.Handlers[0].Requests.Total; int64(s.Queues[0].Dead) > runs {
			t.Fatalf("state.json shows %d dead letters and %d runs of their function", s.Queues[0].Dead, runs)
		}
		return s.Queues[0].Dead
	}
	// A read after each enqueue, while the jobs before it are dying.
	for range jobs {
		enqueue(t, tester.Client, base+"/work", "always-fail", nil)
		check(readQueueDashboard(t, tester))
	}
	for deadline := time.Now().Add(60 * time.Second); check(readQueueDashboard(t, tester)) < jobs; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not all %d jobs reached the dead letters", jobs)
		}
	}
}

// gojinn_dashboard takes no argument and no block.
func TestDashboardCaddyfileErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"gojinn_dashboard extra", "wrong argument count"},
		{"gojinn_dashboard /ops/* extra", "wrong argument count"},
		{"gojinn_dashboard {\n\t\trefresh 5s\n\t}", `takes no block (unknown "refresh")`},
	} {
		cfg := ":8080 {\n\t" + c.body + "\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.body, err, c.want)
		}
	}
}
