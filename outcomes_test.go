package gojinn_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
)

// Every row of docs/contract.md's outcomes table, through a real Caddy.
func TestOutcomesThroughCaddy(t *testing.T) {
	g := func(name string) string { return testguest.WAT(t, name) }
	tester, logFile := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn /ok %s
	gojinn /exit0 %s
	gojinn /exit3 %s
	gojinn /trap %s
	gojinn /recurse %s
	gojinn /garbage %s
	gojinn /two %s
	gojinn /stderr %s {
		debug_secret s3cret-{env.USER}
	}
	gojinn /loop %s {
		timeout 300ms
	}
	gojinn /flood %s {
		max_output_size 64KiB
	}
	gojinn /small %s {
		max_body_size 1kB
	}
	gojinn /panic %s
	handle /capped {
		request_body {
			max_size 1kB
		}
		gojinn %s
	}
}`, g("ok"), g("exit0"), g("exit3"), g("trap"), g("recurse"), g("garbage"), g("two"), g("stderr"),
		g("loop"), g("flood"), g("ok"), testguest.Go(t, "echo-go"), g("ok")))

	cases := []struct {
		path, outcome string
		status        int
		body          string
	}{
		{"/ok", "ok", 200, "ok"},
		{"/exit0", "ok", 200, "ok"},
		{"/exit3", "exit_error", 502, "Bad Gateway"},
		{"/trap", "trap", 502, "Bad Gateway"},
		{"/recurse", "trap", 502, "Bad Gateway"},
		{"/garbage", "contract_error", 502, "Bad Gateway"},
		{"/two", "contract_error", 502, "Bad Gateway"},
		{"/stderr", "trap", 502, "Bad Gateway"},
		{"/loop", "timeout", 504, "Gateway Timeout"},
		{"/flood", "output_limit", 502, "Bad Gateway"},
		{"/panic", "exit_error", 502, "Bad Gateway"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			req := newRequest(t, "GET", base+tc.path, nil)
			req.Header.Set("X-Request-ID", "rid"+tc.path)
			resp, body := do(t, tester, req)
			if resp.StatusCode != tc.status || body != tc.body {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, tc.status, tc.body)
			}
			if tc.outcome == "ok" {
				return
			}
			e := waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
				return e["msg"] == "guest failed" && e["trace_id"] == "rid"+tc.path
			})
			if e["level"] != "error" || e["outcome"] != tc.outcome || e["reason"] == "" || e["handler"] == nil {
				t.Errorf("error log entry = %v", e)
			}
			n := 0
			for _, e := range logEntries(t, logFile, "http.handlers.gojinn") {
				if e["msg"] == "guest failed" && e["trace_id"] == "rid"+tc.path {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d gojinn error entries for one failure, want 1", n)
			}
		})
	}

	t.Run("stderr goes to the log and its tail to the error entry", func(t *testing.T) {
		req := newRequest(t, "GET", base+"/stderr", nil)
		req.Header.Set("X-Request-ID", "rid-stderr-2")
		do(t, tester, req)
		waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
			return e["msg"] == "guest says hello on stderr" && e["trace_id"] == "rid-stderr-2" && e["level"] == "info"
		})
		e := waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
			return e["msg"] == "guest failed" && e["trace_id"] == "rid-stderr-2"
		})
		if !strings.Contains(fmt.Sprint(e["stderr_tail"]), "guest says hello") {
			t.Errorf("stderr_tail = %v", e["stderr_tail"])
		}
	})

	t.Run("debug secret", func(t *testing.T) {
		secret := "s3cret-" + userEnv()
		req := newRequest(t, "GET", base+"/stderr", nil)
		req.Header.Set("X-Gojinn-Debug", secret)
		resp, _ := do(t, tester, req)
		logs, _ := base64.StdEncoding.DecodeString(resp.Header.Get("X-Gojinn-Logs"))
		if !strings.Contains(string(logs), "guest says hello") {
			t.Errorf("X-Gojinn-Logs = %q", resp.Header.Get("X-Gojinn-Logs"))
		}
		req.Header.Set("X-Gojinn-Debug", secret+"x")
		if resp, _ := do(t, tester, req); resp.Header.Get("X-Gojinn-Logs") != "" {
			t.Error("a wrong secret got the logs")
		}
		if strings.Contains(readFile(t, logFile), secret) {
			t.Error("the debug secret appears in the log")
		}
	})

	t.Run("body limit", func(t *testing.T) {
		resp, body := do(t, tester, newRequest(t, "POST", base+"/small", strings.NewReader(strings.Repeat("x", 1001))))
		if resp.StatusCode != 413 || body != "Request Entity Too Large" {
			t.Errorf("got %d %q", resp.StatusCode, body)
		}
		// chunked, so the limit is found while reading
		req := newRequest(t, "POST", base+"/small", struct{ *strings.Reader }{strings.NewReader(strings.Repeat("x", 5000))})
		req.ContentLength = -1
		if resp, _ := do(t, tester, req); resp.StatusCode != 413 {
			t.Errorf("chunked: got %d", resp.StatusCode)
		}
		if resp, body := do(t, tester, newRequest(t, "POST", base+"/small", strings.NewReader(strings.Repeat("x", 1000)))); resp.StatusCode != 200 {
			t.Errorf("at the limit: got %d %q", resp.StatusCode, body)
		}
	})

	// A body cut by Caddy's own `request_body max_size` while gojinn reads
	// it (chunked: a Content-Length over the cap Caddy rejects itself) is
	// the same failure as max_body_size: 413 and an error entry.
	t.Run("request_body max_size", func(t *testing.T) {
		req := newRequest(t, "POST", base+"/capped", struct{ *strings.Reader }{strings.NewReader(strings.Repeat("x", 5000))})
		req.ContentLength = -1
		req.Header.Set("X-Request-ID", "rid-capped")
		resp, body := do(t, tester, req)
		if resp.StatusCode != 413 || body != "Request Entity Too Large" {
			t.Errorf("got %d %q, want 413", resp.StatusCode, body)
		}
		e := waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
			return e["trace_id"] == "rid-capped"
		})
		if e["msg"] != "guest failed" || e["level"] != "error" || e["outcome"] != "body_limit" || !strings.Contains(fmt.Sprint(e["reason"]), "request_body max_size (1000 bytes)") {
			t.Errorf("log entry = %v", e)
		}
		if resp, body := do(t, tester, newRequest(t, "POST", base+"/capped", strings.NewReader(strings.Repeat("x", 1000)))); resp.StatusCode != 200 || body != "ok" {
			t.Errorf("at the cap: got %d %q", resp.StatusCode, body)
		}
	})

	t.Run("client goes away", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req := newRequest(t, "GET", base+"/loop", nil).WithContext(ctx)
		req.Header.Set("X-Request-ID", "rid-gone")
		if _, err := tester.Client.Do(req); err == nil {
			t.Fatal("the request was answered")
		}
		e := waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
			return e["msg"] == "request canceled" && e["trace_id"] == "rid-gone"
		})
		if e["outcome"] != "canceled" || e["level"] != "info" {
			t.Errorf("outcome = %v, want canceled", e["outcome"])
		}
	})
}

func TestHandleErrorsShapesFailures(t *testing.T) {
	tester, _ := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn %s
	handle_errors {
		respond "shaped {err.status_code}" 599
	}
}`, testguest.WAT(t, "trap")))
	resp, body := do(t, tester, newRequest(t, "GET", base+"/", nil))
	if resp.StatusCode != 599 || body != "shaped 502" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}

func TestOverloadRetryAfter(t *testing.T) {
	tester, _ := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn %s {
		timeout 3s
		max_concurrency 1
		queue_timeout 50ms
	}
}`, testguest.WAT(t, "loop")))
	// A blocker keeps the only sandbox busy; probes that get it instead are
	// cut short by their client, so the blocker soon holds it while a probe
	// waits.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if resp, err := tester.Client.Get(base + "/"); err == nil {
				resp.Body.Close()
			}
		}
	}()
	defer func() { close(stop); <-done }()
	probe := &http.Client{Transport: tester.Client.Transport, Timeout: 300 * time.Millisecond}
	for range 100 {
		resp, err := probe.Get(base + "/")
		if err != nil {
			continue // this probe had the sandbox; its client gave up
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 503 {
			if resp.Header.Get("Retry-After") == "" || string(body) != "Service Unavailable" {
				t.Fatalf("503 without Retry-After or with body %q", body)
			}
			return
		}
	}
	t.Fatal("never got 503")
}

func userEnv() string {
	return strings.TrimSpace(getenv("USER"))
}

// readSignal is a request body that tells when the server first reads it.
type readSignal struct {
	*strings.Reader
	read chan struct{}
	once sync.Once
}

func (b *readSignal) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.read) })
	return b.Reader.Read(p)
}

// With max_concurrency 1 and max_queue 1, while one request runs and one
// waits, a third gets 503 with Retry-After at once (queue_timeout is a
// minute). Bodies are read only once a request has its slot: the waiting
// request's body is not read. (Its client sends it only after
// `100 Continue`, which Go's server sends on the handler's first read.)
func TestQueueCap(t *testing.T) {
	tester, logFile := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn %s {
		timeout 1m
		max_concurrency 1
		max_queue 1
		queue_timeout 1m
	}
}`, testguest.WAT(t, "loop")))
	transport := &http.Transport{ExpectContinueTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: handoverRetry{next: transport}}
	var bodies [2]*readSignal
	var cancels [2]context.CancelFunc
	answered := make(chan int, 2)
	for i := range bodies {
		bodies[i] = &readSignal{Reader: strings.NewReader(strings.Repeat("b", 1000)), read: make(chan struct{})}
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		defer cancel()
		req := newRequest(t, "POST", base+"/", bodies[i]).WithContext(ctx)
		req.ContentLength = 1000
		req.Header.Set("Expect", "100-continue")
		// A request closed unanswered in the config handover sent no body
		// (it waits for 100 Continue): the same unread body serves a retry.
		body := bodies[i]
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(body), nil }
		go func() {
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
			answered <- i
		}()
	}
	read := func(i int) bool {
		select {
		case <-bodies[i].read:
			return true
		default:
			return false
		}
	}
	running := -1
	for range 100 {
		if read(0) {
			running = 0
		} else if read(1) {
			running = 1
		}
		if running >= 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if running < 0 {
		t.Fatal("no request's body was read: none is running")
	}
	waiting := 1 - running

	// The third request is refused at once: the one queue place is taken.
	probe := &http.Client{Transport: tester.Client.Transport, Timeout: 5 * time.Second}
	refused := false
	for try := range 20 {
		req := newRequest(t, "GET", base+"/", nil)
		req.Header.Set("X-Request-ID", fmt.Sprintf("rid-queue-%d", try))
		resp, err := probe.Do(req)
		if err != nil {
			continue // it was queued (the waiting request had not arrived yet): its client gave up
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("third request: got %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		e := waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
			return e["trace_id"] == fmt.Sprintf("rid-queue-%d", try)
		})
		if e["outcome"] != "overload" || !strings.Contains(fmt.Sprint(e["reason"]), "max_queue") {
			t.Errorf("log entry = %v", e)
		}
		refused = true
		break
	}
	if !refused {
		t.Fatal("the third request was never refused")
	}
	select {
	case i := <-answered:
		t.Fatalf("request %d was answered; want one running and one waiting", i)
	default:
	}
	if read(waiting) {
		t.Fatal("the waiting request's body was read before it had a sandbox")
	}
	// When the running request goes away, the waiting one gets the slot.
	cancels[running]()
	select {
	case <-bodies[waiting].read:
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting request never got the slot")
	}
}

// A pool whose instances' start-up passes its bound (the timeout) stops,
// and says so in one error entry naming the handler and the reason;
// requests then instantiate on arrival (here: time out as runs).
func TestPoolStoppedLogged(t *testing.T) {
	tester, logFile := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn %s {
		name spinner
		pool_size 2
		timeout 200ms
	}
}`, testguest.WAT(t, "spinstart")))
	stopped := func(e map[string]any) bool {
		return e["msg"] == "pool stopped"
	}
	e := waitForLog(t, logFile, "http.handlers.gojinn", stopped)
	if e["level"] != "error" || e["handler"] != "spinner" || !strings.Contains(fmt.Sprint(e["reason"]), "200ms") {
		t.Errorf("log entry = %v", e)
	}
	if resp, _ := do(t, tester, newRequest(t, "GET", base+"/", nil)); resp.StatusCode != 504 {
		t.Errorf("request after the pool stopped: got %d, want 504", resp.StatusCode)
	}
	n := 0
	for _, e := range logEntries(t, logFile, "http.handlers.gojinn") {
		if stopped(e) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d pool stopped entries, want 1", n)
	}
}
