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

	burn := waitForMetric(t, "requests_total of f-burn", func(mfs families) bool {
		return find(mfs, "gojinn_requests_total", "handler", "f-burn") != nil
	})
	if l := labels(find(burn, "gojinn_requests_total", "handler", "f-burn")); l["outcome"] != "fuel_exhausted" || l["code"] != "502" ||
		value(burn, "gojinn_requests_total", "handler", "f-burn") != 1 {
		t.Errorf("gojinn_requests_total{handler=f-burn} = %v %v, want one fuel_exhausted 502", l, value(burn, "gojinn_requests_total", "handler", "f-burn"))
	}
	if h := histogram(burn, "gojinn_fuel_consumed", "handler", "f-burn"); h.GetSampleCount() != 1 || h.GetSampleSum() <= 5_000_000 {
		t.Errorf("gojinn_fuel_consumed{handler=f-burn}: %d runs, %v units, want 1 run over its 5000000 limit", h.GetSampleCount(), h.GetSampleSum())
	}

	// The same request twice uses the same fuel: the second run adds
	// exactly what the first did.
	var sums []float64
	for i := range 2 {
		if resp, body := do(t, tester, newRequest(t, "GET", base+"/spin", nil)); resp.StatusCode != 200 || body != "spun" {
			t.Fatalf("within a generous fuel_limit: got %d %q, want 200 spun", resp.StatusCode, body)
		}
		mfs := waitForMetric(t, "fuel of f-spin", func(mfs families) bool {
			return histogram(mfs, "gojinn_fuel_consumed", "handler", "f-spin").GetSampleCount() == uint64(i+1)
		})
		sums = append(sums, histogram(mfs, "gojinn_fuel_consumed", "handler", "f-spin").GetSampleSum())
	}
	if sums[0] < 10_000_000 || sums[1] != 2*sums[0] {
		t.Errorf("gojinn_fuel_consumed{handler=f-spin} sums after one and two runs: %v, want the same fuel each run (spin runs 10M iterations)", sums)
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
