package gojinn_test

import (
	"encoding/base64"
	"fmt"
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
