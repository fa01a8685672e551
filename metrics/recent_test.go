package metrics_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gojinn/gojinn/metrics"
)

func TestRecent(t *testing.T) {
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler("h")
	// 2,000 runs of 1..2000 ms: only the latest 1,024 (977..2000) count
	// for the quantiles; every one counts for the totals.
	for i := 1; i <= 2000; i++ {
		outcome := metrics.OutcomeOK
		if i%10 == 0 {
			outcome = metrics.OutcomeTrap
		}
		h.ObserveInvocation(200, outcome, time.Duration(i)*time.Millisecond)
		h.ObserveFuel(int64(i))
	}
	h.ObserveInvocation(200, "made-up", time.Second)
	r := h.Recent()
	if r.Requests[metrics.OutcomeOK] != 1800 || r.Requests[metrics.OutcomeTrap] != 200 || r.Requests["other"] != 1 || len(r.Requests) != 3 {
		t.Errorf("requests %v", r.Requests)
	}
	// Nearest rank over 977..2000: p50 is the 512th value, p99 the 1014th.
	if want := (metrics.Quantiles{Samples: 1024, P50: 1488, P90: 1898, P99: 1990, Max: 2000}); r.Fuel != want {
		t.Errorf("fuel quantiles %+v, want %+v", r.Fuel, want)
	}
	if r.FuelRuns != 2000 || r.FuelTotal != 2000*2001/2 {
		t.Errorf("fuel runs %d total %d", r.FuelRuns, r.FuelTotal)
	}
	// Latencies: 978..2000 ms and the made-up outcome's 1000 ms.
	if r.Latency.Samples != 1024 || r.Latency.Max != int64(2000*time.Millisecond) || r.Latency.P50 != int64(1488*time.Millisecond) {
		t.Errorf("latency quantiles %+v", r.Latency)
	}

	var none *metrics.Handler
	if r := none.Recent(); len(r.Requests) != 0 || r.Latency.Samples != 0 {
		t.Errorf("nil handler: %+v", r)
	}
}
