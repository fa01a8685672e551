package metrics_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gojinn/gojinn/host"
)

// Every host call is counted by handler, function and status, and timed
// by handler and function; a function or status of a later ABI version
// takes the slow path to the same families.
func TestObserveHostCall(t *testing.T) {
	reg, m := newRegistry(t)
	api, img := m.Handler("api"), m.Handler("img")
	api.ObserveHostCall("kv_get", host.StatusOK, time.Microsecond)
	api.ObserveHostCall("kv_get", host.StatusOK, time.Millisecond)
	api.ObserveHostCall("kv_get", host.StatusNotFound, time.Microsecond)
	api.ObserveHostCall("fetch", host.StatusLimit, time.Second)
	img.ObserveHostCall("kv_get", host.StatusDenied, time.Microsecond)
	api.ObserveHostCall("kv_future", host.Status(42), time.Microsecond)
	calls := map[string]float64{}
	for _, s := range family(t, reg, "gojinn_host_calls_total").GetMetric() {
		calls[labelsOf(s)] = s.GetCounter().GetValue()
	}
	want := map[string]float64{
		"function=kv_get,handler=api,status=ok":          2,
		"function=kv_get,handler=api,status=not_found":   1,
		"function=fetch,handler=api,status=limit":        1,
		"function=kv_get,handler=img,status=denied":      1,
		"function=kv_future,handler=api,status=io_error": 1,
	}
	if len(calls) != len(want) {
		t.Errorf("host_calls_total = %v, want %v", calls, want)
	}
	for k, v := range want {
		if calls[k] != v {
			t.Errorf("host_calls_total{%s} = %v, want %v", k, calls[k], v)
		}
	}
	durations := sampleCounts(t, reg, "gojinn_host_call_duration_seconds")
	wantDurations := map[string]uint64{
		"function=kv_get,handler=api": 3, "function=fetch,handler=api": 1,
		"function=kv_get,handler=img": 1, "function=kv_future,handler=api": 1,
	}
	if len(durations) != len(wantDurations) {
		t.Errorf("host_call_duration_seconds = %v, want %v", durations, wantDurations)
	}
	for k, v := range wantDurations {
		if durations[k] != v {
			t.Errorf("host_call_duration_seconds{%s} has %d samples, want %d", k, durations[k], v)
		}
	}
	if n, err := testutil.GatherAndCount(reg, "gojinn_host_calls_total"); err != nil || n != len(want) {
		t.Errorf("series %d (%v)", n, err)
	}
}

// Host calls are on the guest's path: after the first of a (function,
// status) pair, recording one does not allocate.
func TestObserveHostCallAllocs(t *testing.T) {
	_, m := newRegistry(t)
	h := m.Handler("api")
	run := host.Run{Observe: h.ObserveHostCall}                  // as the handler passes it
	run.Observe("kv_increment", host.StatusOK, time.Microsecond) // warm up
	allocs := testing.AllocsPerRun(1000, func() {
		run.Observe("kv_increment", host.StatusOK, 20*time.Microsecond)
	})
	if allocs != 0 {
		t.Errorf("ObserveHostCall allocates %v times per call after warm-up, want 0", allocs)
	}
}
