package gojinn_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gojinn/gojinn/internal/testguest"
)

// The gojinn_* series on Caddy's real admin /metrics endpoint, after real
// requests of every kind, and across two reloads (each load has its own
// registry: the series start again from zero and nothing is registered
// twice).
func TestMetricsOnAdminEndpoint(t *testing.T) {
	ok, trap, exit3, garbage, loop := testguest.WAT(t, "ok"), testguest.WAT(t, "trap"), testguest.WAT(t, "exit3"), testguest.WAT(t, "garbage"), testguest.WAT(t, "loop")
	// A cache directory of its own, so the modules of this test are
	// compiled by its first load rather than reused from another test's.
	cache := t.TempDir()
	site := func(suffix string) string {
		return fmt.Sprintf(`
http://127.0.0.1:9080 {
	gojinn /ok %[1]s {
		name m-ok%[6]s
		cache_dir %[7]s
		max_body_size 16
	}
	gojinn /pooled %[1]s {
		name m-pooled%[6]s
		cache_dir %[7]s
		pool_size 2
	}
	gojinn /trap %[2]s {
		name m-fail%[6]s
		cache_dir %[7]s
	}
	gojinn /exit3 %[3]s {
		name m-fail%[6]s
		cache_dir %[7]s
	}
	gojinn /garbage %[4]s {
		name m-fail%[6]s
		cache_dir %[7]s
	}
	gojinn /loop %[5]s {
		name m-loop%[6]s
		cache_dir %[7]s
		timeout 1s
		max_concurrency 1
		queue_timeout 50ms
	}
}`, ok, trap, exit3, garbage, loop, suffix, cache)
	}
	tester, logFile := server(t, site(""))

	get := func(path string, body string, want int) {
		t.Helper()
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		resp, got := do(t, tester, newRequest(t, method, base+path, strings.NewReader(body)))
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %q, want %d", method, path, resp.StatusCode, got, want)
		}
	}
	traffic := func(suffix string) {
		t.Helper()
		for range 5 {
			get("/ok", "", 200)
		}
		get("/ok", strings.Repeat("x", 17), 413) // body_limit
		for range 3 {
			get("/pooled", "", 200)
		}
		get("/trap", "", 502)
		get("/trap", "", 502)
		get("/exit3", "", 502)
		get("/garbage", "", 502)

		// One request runs the loop until its timeout; meanwhile, with
		// max_concurrency 1, a second one is turned away.
		done := make(chan int)
		go func() {
			resp, err := tester.Client.Get(base + "/loop")
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		waitForMetric(t, "the loop's sandbox to start", func(mfs families) bool {
			return value(mfs, "gojinn_active_sandboxes", "handler", "m-loop"+suffix) == 1
		})
		get("/loop", "", 503)
		if code := <-done; code != 504 {
			t.Fatalf("the looping request got %d, want 504", code)
		}
	}

	check := func(t *testing.T, suffix string, compiled bool) {
		t.Helper()
		okName, pooled, fail, loopName := "m-ok"+suffix, "m-pooled"+suffix, "m-fail"+suffix, "m-loop"+suffix
		// The pool refills in the background.
		mfs := waitForMetric(t, "the pool to refill", func(mfs families) bool {
			return value(mfs, "gojinn_pool_ready_instances", "handler", pooled) == 2
		})

		wantRequests := map[string]float64{
			okName + " 200 ok":           5,
			okName + " 413 body_limit":   1,
			pooled + " 200 ok":           3,
			fail + " 502 trap":           2,
			fail + " 502 exit_error":     1,
			fail + " 502 contract_error": 1,
			loopName + " 504 timeout":    1,
			loopName + " 503 overload":   1,
		}
		got := map[string]float64{}
		for _, m := range series(t, mfs, "gojinn_requests_total", dto.MetricType_COUNTER) {
			l := labels(m)
			got[l["handler"]+" "+l["code"]+" "+l["outcome"]] = m.GetCounter().GetValue()
		}
		if fmt.Sprint(got) != fmt.Sprint(wantRequests) {
			t.Errorf("gojinn_requests_total:\n got %v\nwant %v", got, wantRequests)
		}

		// One duration observation per request, by handler and code.
		wantDurations := map[string]uint64{}
		for k, n := range wantRequests {
			f := strings.Fields(k)
			wantDurations[f[0]+" "+f[1]] += uint64(n)
		}
		gotDurations := map[string]uint64{}
		for _, m := range series(t, mfs, "gojinn_function_duration_seconds", dto.MetricType_HISTOGRAM) {
			l := labels(m)
			h := m.GetHistogram()
			gotDurations[l["handler"]+" "+l["code"]] = h.GetSampleCount()
			if h.GetSampleSum() <= 0 {
				t.Errorf("function duration of %v: sum %v", l, h.GetSampleSum())
			}
		}
		if fmt.Sprint(gotDurations) != fmt.Sprint(wantDurations) {
			t.Errorf("gojinn_function_duration_seconds counts:\n got %v\nwant %v", gotDurations, wantDurations)
		}

		for _, h := range []string{okName, pooled, fail, loopName} {
			if v := value(mfs, "gojinn_active_sandboxes", "handler", h); v != 0 {
				t.Errorf("gojinn_active_sandboxes{handler=%q} = %v after the requests, want 0", h, v)
			}
		}

		// Fresh instances are instantiated per request; the pool's ahead
		// of them (2 at start, one more per request taken).
		if n := histogram(mfs, "gojinn_instantiate_duration_seconds", "handler", okName).GetSampleCount(); n != 5 {
			t.Errorf("instantiations of %s: %d, want 5 (the 413 runs nothing)", okName, n)
		}
		if n := histogram(mfs, "gojinn_instantiate_duration_seconds", "handler", pooled).GetSampleCount(); n < 5 {
			t.Errorf("instantiations of %s: %d, want at least 5", pooled, n)
		}
		// ok.wat has one 64 KiB page and does not grow it.
		mem := histogram(mfs, "gojinn_guest_memory_bytes", "handler", okName)
		if mem.GetSampleCount() != 5 || mem.GetSampleSum() != 5*65536 {
			t.Errorf("gojinn_guest_memory_bytes{handler=%q}: count %d sum %v, want 5 and 5×65536", okName, mem.GetSampleCount(), mem.GetSampleSum())
		}
		// ... and runs the same 39 units of fuel each time.
		if fuel := histogram(mfs, "gojinn_fuel_consumed", "handler", okName); fuel.GetSampleCount() != 5 || fuel.GetSampleSum() != 5*39 {
			t.Errorf("gojinn_fuel_consumed{handler=%q}: count %d sum %v, want 5 and 5×39", okName, fuel.GetSampleCount(), fuel.GetSampleSum())
		}
		// The overloaded request waited for a slot and gave up.
		if qw := histogram(mfs, "gojinn_queue_wait_seconds", "handler", loopName); qw.GetSampleCount() < 1 || qw.GetSampleSum() < 0.05 {
			t.Errorf("gojinn_queue_wait_seconds{handler=%q}: count %d sum %v, want the 50ms wait", loopName, qw.GetSampleCount(), qw.GetSampleSum())
		}

		// Compiles happen at the load that needs them: modules unchanged
		// since the previous load are reused, not compiled again.
		compile := series(t, mfs, "gojinn_compile_duration_seconds", dto.MetricType_HISTOGRAM)
		if len(compile) != 1 || len(compile[0].GetLabel()) != 0 {
			t.Fatalf("gojinn_compile_duration_seconds: %v, want one series without labels", compile)
		}
		n := compile[0].GetHistogram().GetSampleCount()
		if compiled && n != 5 {
			t.Errorf("compiles at the first load: %d, want 5 (ok, trap, exit3, garbage, loop)", n)
		}
		if !compiled && n != 0 {
			t.Errorf("compiles at a reload of unchanged modules: %d, want 0", n)
		}

		// Nothing else is exported under gojinn_.
		var names []string
		for name := range mfs {
			if strings.HasPrefix(name, "gojinn_") {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		want := "gojinn_active_sandboxes gojinn_compile_duration_seconds gojinn_fuel_consumed gojinn_function_duration_seconds gojinn_guest_memory_bytes gojinn_instantiate_duration_seconds gojinn_pool_ready_instances gojinn_queue_wait_seconds gojinn_requests_total"
		if got := strings.Join(names, " "); got != want {
			t.Errorf("gojinn families:\n got %s\nwant %s", got, want)
		}
	}

	t.Run("first load", func(t *testing.T) {
		traffic("")
		check(t, "", true)
	})
	for _, suffix := range []string{"-v2", "-v3"} {
		t.Run("reload "+suffix, func(t *testing.T) {
			tester.InitServer(globals(logFile)+"\n"+site(suffix), "caddyfile")
			if t.Failed() {
				t.FailNow()
			}
			traffic(suffix)
			check(t, suffix, false)
			// The previous load's series went with its registry.
			mfs := scrape(t)
			for _, m := range series(t, mfs, "gojinn_requests_total", dto.MetricType_COUNTER) {
				if h := labels(m)["handler"]; !strings.HasSuffix(h, suffix) {
					t.Errorf("series of handler %q from an earlier load is still exported", h)
				}
			}
		})
	}
}

// families is a scrape, by family name.
type families map[string]*dto.MetricFamily

// scrape reads Caddy's admin /metrics endpoint and parses it.
func scrape(t *testing.T) families {
	t.Helper()
	resp, err := http.Get("http://localhost:2999/metrics")
	if err != nil {
		t.Fatalf("scraping the admin endpoint: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("scraping the admin endpoint: status %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the exposition: %v", err)
	}
	return mfs
}

// waitForMetric scrapes until ok holds, for up to 10s, and returns the scrape.
func waitForMetric(t *testing.T, what string, ok func(families) bool) families {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mfs := scrape(t)
		if ok(mfs) {
			return mfs
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// series returns the series of family name, which must have type typ.
func series(t *testing.T, mfs families, name string, typ dto.MetricType) []*dto.Metric {
	t.Helper()
	mf := mfs[name]
	if mf == nil {
		t.Fatalf("no %s on /metrics", name)
	}
	if mf.GetType() != typ {
		t.Fatalf("%s is a %v, want %v", name, mf.GetType(), typ)
	}
	return mf.GetMetric()
}

// find returns the series of family name whose label key is val, or nil.
func find(mfs families, name, key, val string) *dto.Metric {
	for _, m := range mfs[name].GetMetric() {
		if labels(m)[key] == val {
			return m
		}
	}
	return nil
}

// value is a gauge's or counter's value; -1 when the series is absent.
func value(mfs families, name, key, val string) float64 {
	m := find(mfs, name, key, val)
	switch {
	case m == nil:
		return -1
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	default:
		return m.GetCounter().GetValue()
	}
}

// histogram is a histogram series (empty when absent).
func histogram(mfs families, name, key, val string) *dto.Histogram {
	return find(mfs, name, key, val).GetHistogram()
}

func labels(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}
