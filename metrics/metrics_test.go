package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/metrics"
)

// newRegistry returns a registry like the one Caddy gives each config load.
func newRegistry(t testing.TB) (*prometheus.Registry, *metrics.Metrics) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if m == nil {
		t.Fatal("New returned nil Metrics for a real registry")
	}
	return reg, m
}

// family gathers reg and returns the family called name, or nil.
func family(t *testing.T, reg prometheus.Gatherer, name string) *dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	return nil
}

// labelsOf renders a metric's labels as "k=v,k=v" in name order.
func labelsOf(m *dto.Metric) string {
	var b strings.Builder
	for i, lp := range m.GetLabel() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(lp.GetName() + "=" + lp.GetValue())
	}
	return b.String()
}

// sampleCounts maps the labels of each histogram series of name to its
// sample count.
func sampleCounts(t *testing.T, reg prometheus.Gatherer, name string) map[string]uint64 {
	t.Helper()
	got := map[string]uint64{}
	mf := family(t, reg, name)
	if mf == nil {
		return got
	}
	for _, m := range mf.GetMetric() {
		got[labelsOf(m)] = m.GetHistogram().GetSampleCount()
	}
	return got
}

func TestObserveInvocation(t *testing.T) {
	reg, m := newRegistry(t)
	api := m.Handler("api")
	img := m.Handler("img")

	calls := []struct {
		h       *metrics.Handler
		code    int
		outcome string
	}{
		{api, 200, metrics.OutcomeOK},
		{api, 200, metrics.OutcomeOK},
		{api, 502, metrics.OutcomeTrap},
		{api, 502, metrics.OutcomeExitError},
		{img, 200, metrics.OutcomeOK},
		{img, 504, metrics.OutcomeTimeout},
		{img, 999, metrics.OutcomeOK},          // outside 100..599: slow path
		{img, 200, "something_new"},            // unknown outcome: slow path
		{api, 0, metrics.OutcomeCanceled},      // no status written
		{api, 503, metrics.OutcomeOverload},    // every outcome once more
		{api, 413, metrics.OutcomeBodyLimit},   //
		{api, 502, metrics.OutcomeOutputLimit}, //
		{api, 502, metrics.OutcomeContractError},
	}
	for _, c := range calls {
		c.h.ObserveInvocation(c.code, c.outcome, 3*time.Millisecond)
	}

	wantCounts := []struct {
		handler, code, outcome string
		want                   float64
	}{
		{"api", "200", "ok", 2},
		{"api", "502", "trap", 1},
		{"api", "502", "exit_error", 1},
		{"api", "502", "output_limit", 1},
		{"api", "502", "contract_error", 1},
		{"api", "503", "overload", 1},
		{"api", "413", "body_limit", 1},
		{"api", "0", "canceled", 1},
		{"img", "200", "ok", 1},
		{"img", "504", "timeout", 1},
		{"img", "999", "ok", 1},
		{"img", "200", "something_new", 1},
		{"api", "200", "trap", 0}, // never happened: not created
	}
	reqs := family(t, reg, "gojinn_requests_total")
	if reqs == nil {
		t.Fatal("gojinn_requests_total not gathered")
	}
	if got, want := len(reqs.GetMetric()), len(wantCounts)-1; got != want {
		t.Errorf("gojinn_requests_total has %d series, want %d", got, want)
	}
	for _, w := range wantCounts {
		var got float64
		for _, m := range reqs.GetMetric() {
			if labelsOf(m) == "code="+w.code+",handler="+w.handler+",outcome="+w.outcome {
				got = m.GetCounter().GetValue()
			}
		}
		if got != w.want {
			t.Errorf("requests_total{handler=%s,code=%s,outcome=%s} = %v, want %v", w.handler, w.code, w.outcome, got, w.want)
		}
	}

	wantDur := map[string]uint64{
		"code=200,handler=api": 2,
		"code=502,handler=api": 4,
		"code=503,handler=api": 1,
		"code=413,handler=api": 1,
		"code=0,handler=api":   1,
		"code=200,handler=img": 2,
		"code=504,handler=img": 1,
		"code=999,handler=img": 1,
	}
	gotDur := sampleCounts(t, reg, "gojinn_function_duration_seconds")
	if len(gotDur) != len(wantDur) {
		t.Errorf("function_duration_seconds series = %v, want %v", gotDur, wantDur)
	}
	for k, w := range wantDur {
		if gotDur[k] != w {
			t.Errorf("function_duration_seconds{%s} count = %d, want %d", k, gotDur[k], w)
		}
	}
	mf := family(t, reg, "gojinn_function_duration_seconds")
	for _, m := range mf.GetMetric() {
		if labelsOf(m) == "code=200,handler=api" {
			if got, want := m.GetHistogram().GetSampleSum(), 0.006; got < want-1e-9 || got > want+1e-9 {
				t.Errorf("sample sum = %v, want %v", got, want)
			}
		}
	}
}

func TestHandlerGaugesAndHistograms(t *testing.T) {
	reg, m := newRegistry(t)
	h := m.Handler("api")
	other := m.Handler("other")

	h.SandboxStarted()
	h.SandboxStarted()
	h.SandboxStarted()
	h.SandboxFinished()
	other.SandboxStarted()
	h.SetPoolReady(7)
	h.SetPoolReady(4)
	h.ObserveInstantiate(12 * time.Microsecond)
	h.ObserveInstantiate(20 * time.Microsecond)
	h.ObserveQueueWait(time.Millisecond)
	h.ObserveMemory(2 << 20)
	h.ObserveFuel(7885)
	h.ObserveFuel(1_500_000)
	m.ObserveCompile(2 * time.Millisecond)

	gauges := []struct {
		name, handler string
		want          float64
	}{
		{"gojinn_active_sandboxes", "api", 2},
		{"gojinn_active_sandboxes", "other", 1},
		{"gojinn_pool_ready_instances", "api", 4},
	}
	for _, g := range gauges {
		mf := family(t, reg, g.name)
		var got float64
		found := false
		for _, m := range mf.GetMetric() {
			if labelsOf(m) == "handler="+g.handler {
				got, found = m.GetGauge().GetValue(), true
			}
		}
		if !found || got != g.want {
			t.Errorf("%s{handler=%s} = %v (found %v), want %v", g.name, g.handler, got, found, g.want)
		}
	}

	hists := []struct {
		name, labels string
		want         uint64
	}{
		{"gojinn_instantiate_duration_seconds", "handler=api", 2},
		{"gojinn_queue_wait_seconds", "handler=api", 1},
		{"gojinn_guest_memory_bytes", "handler=api", 1},
		{"gojinn_fuel_consumed", "handler=api", 2},
		{"gojinn_compile_duration_seconds", "", 1},
	}
	for _, hc := range hists {
		if got := sampleCounts(t, reg, hc.name)[hc.labels]; got != hc.want {
			t.Errorf("%s{%s} count = %d, want %d", hc.name, hc.labels, got, hc.want)
		}
	}

	// 2 MiB lands in the le=2097152 bucket of guest_memory_bytes.
	mf := family(t, reg, "gojinn_guest_memory_bytes")
	for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
		want := uint64(0)
		if b.GetUpperBound() >= 2<<20 {
			want = 1
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("guest_memory_bytes bucket le=%v = %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
}

func TestBuckets(t *testing.T) {
	reg, m := newRegistry(t)
	h := m.Handler("api")
	h.ObserveInvocation(200, metrics.OutcomeOK, time.Second)
	h.ObserveMemory(1)
	h.ObserveFuel(1)
	tests := []struct {
		name       string
		first, top float64
	}{
		{"gojinn_function_duration_seconds", 50e-6, 60},
		{"gojinn_guest_memory_bytes", 64 << 10, 1 << 30},
		{"gojinn_fuel_consumed", 1e3, 1e10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bs := family(t, reg, tc.name).GetMetric()[0].GetHistogram().GetBucket()
			if got := bs[0].GetUpperBound(); got != tc.first {
				t.Errorf("first bucket = %v, want %v", got, tc.first)
			}
			if got := bs[len(bs)-1].GetUpperBound(); got != tc.top {
				t.Errorf("last bucket = %v, want %v", got, tc.top)
			}
		})
	}
}

// Two gojinn handlers in one config call New twice on the same registry.
func TestNewTwiceSharesCollectors(t *testing.T) {
	reg, m1 := newRegistry(t)
	m2, err := metrics.New(reg)
	if err != nil {
		t.Fatalf("second New on the same registry: %v", err)
	}
	m1.Handler("a").ObserveInvocation(200, metrics.OutcomeOK, time.Millisecond)
	m2.Handler("b").ObserveInvocation(200, metrics.OutcomeOK, time.Millisecond)
	m2.Handler("a").ObserveInvocation(200, metrics.OutcomeOK, time.Millisecond)
	m1.ObserveCompile(time.Millisecond)
	m2.ObserveCompile(time.Millisecond)

	if n, err := testutil.GatherAndCount(reg, "gojinn_requests_total"); err != nil || n != 2 {
		t.Errorf("requests_total series = %d (%v), want 2", n, err)
	}
	if got := sampleCounts(t, reg, "gojinn_function_duration_seconds")["code=200,handler=a"]; got != 2 {
		t.Errorf("handler a observed %d times across both Metrics, want 2", got)
	}
	if got := sampleCounts(t, reg, "gojinn_compile_duration_seconds")[""]; got != 2 {
		t.Errorf("compile observed %d times, want 2", got)
	}
}

// A reload gives a fresh registry: New must register there afresh, and the
// old registry keeps working for requests still in flight.
func TestNewOnFreshRegistryAfterReload(t *testing.T) {
	old, mOld := newRegistry(t)
	if _, err := metrics.New(old); err != nil {
		t.Fatal(err)
	}
	hOld := mOld.Handler("api")
	hOld.SandboxStarted()

	for i := range 3 {
		reg, m := newRegistry(t)
		h := m.Handler("api")
		h.ObserveInvocation(201, metrics.OutcomeOK, time.Millisecond)
		if n, err := testutil.GatherAndCount(reg, "gojinn_requests_total"); err != nil || n != 1 {
			t.Errorf("reload %d: requests_total series = %d (%v), want 1", i, n, err)
		}
		// Handler creates its gauges at 0; the old registry's sandbox does
		// not show here.
		if v := family(t, reg, "gojinn_active_sandboxes").GetMetric()[0].GetGauge().GetValue(); v != 0 {
			t.Errorf("reload %d: active_sandboxes = %v, want 0", i, v)
		}
	}
	hOld.SandboxFinished()
	if n, err := testutil.GatherAndCount(old, "gojinn_requests_total"); err != nil || n != 0 {
		t.Errorf("old registry got %d requests_total series (%v), want 0", n, err)
	}
}

// A registry that holds something else under a gojinn name is an error, not
// a panic.
func TestNewConflict(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "gojinn_compile_duration_seconds",
		Help: "Not a histogram.",
	}))
	m, err := metrics.New(reg)
	if err == nil {
		t.Fatal("New succeeded on a registry with a conflicting collector")
	}
	if m != nil {
		t.Error("New returned a Metrics along with an error")
	}
}

func TestNilIsNoOp(t *testing.T) {
	regs := []struct {
		name string
		reg  prometheus.Registerer
	}{
		{"nil interface", nil},
		{"nil *Registry", (*prometheus.Registry)(nil)},
	}
	for _, r := range regs {
		t.Run(r.name, func(t *testing.T) {
			m, err := metrics.New(r.reg)
			if err != nil || m != nil {
				t.Fatalf("New(%s) = %v, %v; want nil, nil", r.name, m, err)
			}
			exercise(m)
		})
	}
	t.Run("nil *Handler", func(t *testing.T) {
		var h *metrics.Handler
		h.SandboxStarted()
		h.SandboxFinished()
		h.ObserveInvocation(200, metrics.OutcomeOK, time.Millisecond)
		h.ObserveInstantiate(time.Millisecond)
		h.ObserveQueueWait(time.Millisecond)
		h.ObserveMemory(1)
		h.ObserveFuel(1)
		h.SetPoolReady(1)
		h.ObserveHostCall("kv_get", host.StatusOK, time.Microsecond)
	})
}

// exercise calls every method of m and of a Handler from it.
func exercise(m *metrics.Metrics) {
	m.ObserveCompile(time.Millisecond)
	h := m.Handler("x")
	h.SandboxStarted()
	h.SandboxFinished()
	for _, o := range metrics.Outcomes {
		h.ObserveInvocation(200, o, time.Millisecond)
	}
	h.ObserveInstantiate(time.Millisecond)
	h.ObserveQueueWait(time.Millisecond)
	h.ObserveMemory(1)
	h.ObserveFuel(1)
	h.SetPoolReady(1)
	h.ObserveHostCall("kv_get", host.StatusOK, time.Microsecond)
}

func TestOutcomes(t *testing.T) {
	want := []string{"ok", "contract_error", "exit_error", "trap", "timeout", "output_limit", "fuel_exhausted", "overload", "body_limit", "canceled"}
	if len(metrics.Outcomes) != len(want) {
		t.Fatalf("Outcomes = %v, want %v", metrics.Outcomes, want)
	}
	reg, m := newRegistry(t)
	h := m.Handler("api")
	for i, o := range metrics.Outcomes {
		if o != want[i] {
			t.Errorf("Outcomes[%d] = %q, want %q", i, o, want[i])
		}
		h.ObserveInvocation(502, o, time.Millisecond)
	}
	// every outcome takes the cached path and gets its own series
	if n, err := testutil.GatherAndCount(reg, "gojinn_requests_total"); err != nil || n != len(want) {
		t.Errorf("requests_total series = %d (%v), want %d", n, err, len(want))
	}
}

func TestPromlint(t *testing.T) {
	reg, m := newRegistry(t)
	exercise(m)
	m.Handler("x").ObserveInvocation(502, metrics.OutcomeTrap, time.Second)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	want := []string{
		"gojinn_active_sandboxes",
		"gojinn_compile_duration_seconds",
		"gojinn_fuel_consumed",
		"gojinn_function_duration_seconds",
		"gojinn_guest_memory_bytes",
		"gojinn_host_call_duration_seconds",
		"gojinn_host_calls_total",
		"gojinn_instantiate_duration_seconds",
		"gojinn_pool_ready_instances",
		"gojinn_queue_wait_seconds",
		"gojinn_requests_total",
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mf := range mfs {
		got = append(got, mf.GetName())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("gathered families %v, want %v", got, want)
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	reg, m := newRegistry(t)
	h := m.Handler("api")
	const n = 16
	done := make(chan struct{})
	for range n {
		go func() {
			defer func() { done <- struct{}{} }()
			for code := 200; code < 210; code++ {
				h.ObserveInvocation(code, metrics.OutcomeOK, time.Millisecond)
			}
		}()
	}
	for range n {
		<-done
	}
	mf := family(t, reg, "gojinn_requests_total")
	if len(mf.GetMetric()) != 10 {
		t.Fatalf("series = %d, want 10", len(mf.GetMetric()))
	}
	for _, m := range mf.GetMetric() {
		if m.GetCounter().GetValue() != n {
			t.Errorf("%s = %v, want %d", labelsOf(m), m.GetCounter().GetValue(), n)
		}
	}
}

func TestObserveInvocationAllocs(t *testing.T) {
	_, m := newRegistry(t)
	h := m.Handler("api")
	h.ObserveInvocation(200, metrics.OutcomeOK, time.Millisecond) // warm up
	allocs := testing.AllocsPerRun(1000, func() {
		h.ObserveInvocation(200, metrics.OutcomeOK, 20*time.Microsecond)
	})
	if allocs != 0 {
		t.Errorf("ObserveInvocation allocates %v times per call after warm-up, want 0", allocs)
	}
}

func BenchmarkObserveInvocation(b *testing.B) {
	_, m := newRegistry(b)
	h := m.Handler("api")
	h.ObserveInvocation(200, metrics.OutcomeOK, time.Millisecond) // warm up
	b.ReportAllocs()
	for b.Loop() {
		h.ObserveInvocation(200, metrics.OutcomeOK, 20*time.Microsecond)
	}
}

func BenchmarkObserveInvocationParallel(b *testing.B) {
	_, m := newRegistry(b)
	h := m.Handler("api")
	h.ObserveInvocation(200, metrics.OutcomeOK, time.Millisecond)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.ObserveInvocation(200, metrics.OutcomeOK, 20*time.Microsecond)
		}
	})
}

// BenchmarkRequest is everything the handler records for one request.
func BenchmarkRequest(b *testing.B) {
	_, m := newRegistry(b)
	h := m.Handler("api")
	h.ObserveInvocation(200, metrics.OutcomeOK, time.Millisecond)
	b.ReportAllocs()
	for b.Loop() {
		h.ObserveQueueWait(0)
		h.SandboxStarted()
		h.ObserveInstantiate(9 * time.Microsecond)
		h.ObserveMemory(64 << 10)
		h.SandboxFinished()
		h.ObserveInvocation(200, metrics.OutcomeOK, 20*time.Microsecond)
	}
}
