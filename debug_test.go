package gojinn_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/gojinn/gojinn/internal/testguest"
)

// Caddy records the request headers for its access and error logs before
// any handler runs, so removing X-Gojinn-Debug from the request cannot
// keep the secret out of them: a `filter` log encoder must
// (docs/observability.md, "The debug header"). This checks that the
// documented filters do, for a failure shaped by handle_errors (which Caddy
// also logs, with the request).
func TestDebugSecretOutOfCaddyLogs(t *testing.T) {
	dir := t.TempDir()
	caddyLog, accessLog := filepath.Join(dir, "caddy.log"), filepath.Join(dir, "access.log")
	const secret = "debug-secret-7f3a"
	const filter = `filter {
			wrap json
			request>headers>X-Gojinn-Debug delete
		}`
	cfg := globalsWithLogFormat(caddyLog, filter) + fmt.Sprintf(`
http://127.0.0.1:9080 {
	log {
		output file %[1]s
		format filter {
			wrap json
			request>headers>X-Gojinn-Debug delete
		}
	}
	gojinn /stderr %[2]s {
		debug_secret %[3]s
	}
	handle_errors {
		respond "shaped {err.status_code}" {err.status_code}
	}
}`, accessLog, testguest.WAT(t, "stderr"), secret)
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{TestRequestTimeout: 30 * time.Second})
	tester.InitServer(cfg, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	tester.Client.Transport = handoverRetry{next: tester.Client.Transport}

	req := newRequest(t, "GET", base+"/stderr", nil)
	req.Header.Set("X-Gojinn-Debug", secret)
	req.Header.Set("X-Request-ID", "rid-debug-filter")
	resp, body := do(t, tester, req)
	if resp.StatusCode != 502 || body != "shaped 502" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if logs, _ := base64.StdEncoding.DecodeString(resp.Header.Get("X-Gojinn-Logs")); !strings.Contains(string(logs), "guest says hello") {
		t.Errorf("X-Gojinn-Logs = %q", resp.Header.Get("X-Gojinn-Logs"))
	}
	// Both logs have the request's entry, with its other headers...
	waitForLog(t, accessLog, "http.log.access.log0", func(e map[string]any) bool {
		return strings.Contains(fmt.Sprint(e["request"]), "rid-debug-filter")
	})
	waitForLog(t, caddyLog, "http.log.error.log0", func(e map[string]any) bool {
		return strings.Contains(fmt.Sprint(e["request"]), "rid-debug-filter")
	})
	// ...and nowhere the secret.
	for _, f := range []string{accessLog, caddyLog} {
		if strings.Contains(readFile(t, f), secret) {
			t.Errorf("the debug secret is in %s:\n%s", filepath.Base(f), readFile(t, f))
		}
	}
}

// A response carrying X-Gojinn-Logs is never cached or shared with a
// request without the secret, success or failure; X-Gojinn-Logs comes only
// from Gojinn, never from the guest; it holds the same 2 KiB tail as the
// error entry's stderr_tail.
func TestDebugLogsResponse(t *testing.T) {
	const secret = "debug-secret-91c2"
	tester, _ := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn /fail %s {
		debug_secret %s
	}
	gojinn %s {
		debug_secret %[2]s
	}
}`, testguest.WAT(t, "stderr"), secret, testguest.WAT(t, "debuglogs")))
	get := func(path, debug string) *http.Response {
		req := newRequest(t, "GET", base+path, nil)
		if debug != "" {
			req.Header.Set("X-Gojinn-Debug", debug)
		}
		resp, _ := do(t, tester, req)
		return resp
	}

	resp := get("/", secret)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := resp.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
		t.Errorf("Cache-Control = %q, want only no-store (the guest's public caching is overridden)", got)
	}
	if vary := strings.Join(resp.Header.Values("Vary"), ", "); !strings.Contains(vary, "X-Gojinn-Debug") || !strings.Contains(vary, "Accept") {
		t.Errorf("Vary = %q, want the guest's Accept and X-Gojinn-Debug", vary)
	}
	if got := resp.Header.Values("X-Gojinn-Logs"); len(got) != 1 {
		t.Fatalf("%d X-Gojinn-Logs values, want Gojinn's one", len(got))
	}
	logs, err := base64.StdEncoding.DecodeString(resp.Header.Get("X-Gojinn-Logs"))
	stderr := strings.Repeat(strings.Repeat("x", 63)+"\n", 40) + "the end\n"
	if err != nil || string(logs) != stderr[len(stderr)-2048:] {
		t.Errorf("X-Gojinn-Logs decodes to %d bytes (%v), want the last 2048 of the guest's %d", len(logs), err, len(stderr))
	}

	for _, debug := range []string{"", "wrong"} {
		resp = get("/", debug)
		if got := resp.Header.Values("X-Gojinn-Logs"); got != nil {
			t.Errorf("debug %q: X-Gojinn-Logs = %q reached the client (the guest's own)", debug, got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=60" {
			t.Errorf("debug %q: Cache-Control = %q, want the guest's", debug, got)
		}
	}

	resp = get("/fail", secret)
	if resp.StatusCode != 502 || resp.Header.Get("X-Gojinn-Logs") == "" || resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Vary") != "X-Gojinn-Debug" {
		t.Errorf("failure: %d, headers %v", resp.StatusCode, resp.Header)
	}
}
