package gojinn_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
)

// fuel_limit through a real Caddy: an endless loop under a long timeout is
// stopped as fuel_exhausted (502, one error entry); a generous limit lets
// a compute-heavy request answer. Without WithCloseOnContextDone, the
// metering checks alone stop an endless loop at its timeout and when its
// client goes away.
func TestFuelLimitThroughCaddy(t *testing.T) {
	loop, spin := testguest.WAT(t, "loop"), testguest.WAT(t, "spin")
	tester, logFile := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn /burn %[1]s {
		name f-burn
		timeout 1m
		fuel_limit 5000000
	}
	gojinn /spin %[2]s {
		name f-spin
		fuel_limit 1000000000
	}
	gojinn /loop %[1]s {
		name f-loop
		timeout 100ms
	}
	gojinn /forever %[1]s {
		name f-forever
		timeout 1m
	}
}`, loop, spin))

	req := newRequest(t, "GET", base+"/burn", nil)
	req.Header.Set("X-Request-ID", "rid-burn")
	if resp, body := do(t, tester, req); resp.StatusCode != 502 || body != "Bad Gateway" {
		t.Fatalf("endless loop over its fuel_limit: got %d %q, want 502", resp.StatusCode, body)
	}
	e := waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
		return e["msg"] == "guest failed" && e["trace_id"] == "rid-burn"
	})
	if e["level"] != "error" || e["outcome"] != "fuel_exhausted" || e["handler"] != "f-burn" {
		t.Errorf("error log entry = %v", e)
	}
	n := 0
	for _, e := range logEntries(t, logFile, "http.handlers.gojinn") {
		if e["trace_id"] == "rid-burn" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d gojinn entries for one fuel_exhausted run, want 1", n)
	}

	if resp, body := do(t, tester, newRequest(t, "GET", base+"/spin", nil)); resp.StatusCode != 200 || body != "spun" {
		t.Errorf("within a generous fuel_limit: got %d %q, want 200 spun", resp.StatusCode, body)
	}

	t0 := time.Now()
	if resp, _ := do(t, tester, newRequest(t, "GET", base+"/loop", nil)); resp.StatusCode != 504 || time.Since(t0) > 5*time.Second {
		t.Errorf("endless loop with a 100ms timeout: got %d after %s, want 504 well within 5s", resp.StatusCode, time.Since(t0))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req = newRequest(t, "GET", base+"/forever", nil).WithContext(ctx)
	req.Header.Set("X-Request-ID", "rid-gone")
	if _, err := tester.Client.Do(req); err == nil {
		t.Fatal("a request whose client went away was answered")
	}
	e = waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
		return e["trace_id"] == "rid-gone"
	})
	if e["outcome"] != "canceled" {
		t.Errorf("client gone: log entry = %v, want outcome canceled", e)
	}
}
