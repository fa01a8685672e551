package gojinn_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gojinn/gojinn"
	"github.com/gojinn/gojinn/internal/testguest"
)

// The cost of one hello invocation (testdata/guests/ok.wat) through
// Gojinn.ServeHTTP, with metrics and tracing each on or off:
//
//	go test -run '^$' -bench . -benchmem -count 5 .
//
// Metrics on: the module is provisioned with a caddy.Context that has a
// metrics registry, as in Caddy. Metrics off: a zero caddy.Context, whose
// registry is nil. Tracing on: the request's context carries a recording
// span of an SDK tracer provider that batches to a no-op exporter, as
// Caddy's `tracing` directive does (its exporter sends over OTLP instead).
func BenchmarkServeHTTP(b *testing.B) {
	for _, c := range []struct {
		name             string
		metrics, tracing bool
	}{
		{"metrics=off/tracing=off", false, false},
		{"metrics=on/tracing=off", true, false},
		{"metrics=off/tracing=on", false, true},
		{"metrics=on/tracing=on", true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			g := provisionForBench(b, c.metrics)
			r := benchRequest()
			if c.tracing {
				r = withRecordingSpan(b, r)
			}
			b.ReportAllocs()
			for b.Loop() {
				serveOnce(b, g, r)
			}
		})
	}
}

// BenchmarkOverhead measures what metrics and tracing add to a hello
// invocation in a way that survives a busy machine: every iteration serves
// one request without and one with the feature, in alternating order, and
// the result is the median of the paired differences. It reports the
// median time without (base-ns/op), the median added time (added-ns/op)
// and that as a share of base (added-%).
func BenchmarkOverhead(b *testing.B) {
	b.Run("metrics", func(b *testing.B) {
		off, on := provisionForBench(b, false), provisionForBench(b, true)
		r := benchRequest()
		pairedOverhead(b, func() { serveOnce(b, off, r) }, func() { serveOnce(b, on, r) })
	})
	b.Run("tracing", func(b *testing.B) {
		g := provisionForBench(b, true)
		plain := benchRequest()
		traced := withRecordingSpan(b, benchRequest())
		pairedOverhead(b, func() { serveOnce(b, g, plain) }, func() { serveOnce(b, g, traced) })
	})
}

// pairedOverhead runs base and with b.N times each, interleaved (ABBA),
// and reports the medians.
func pairedOverhead(b *testing.B, base, with func()) {
	for range 100 { // warm up both
		base()
		with()
	}
	t0s, t1s := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			t := time.Now()
			base()
			m := time.Now()
			with()
			t0s[i], t1s[i] = m.Sub(t), time.Since(m)
		} else {
			t := time.Now()
			with()
			m := time.Now()
			base()
			t1s[i], t0s[i] = m.Sub(t), time.Since(m)
		}
	}
	b.StopTimer()
	diffs := make([]time.Duration, b.N)
	for i := range diffs {
		diffs[i] = t1s[i] - t0s[i]
	}
	baseMedian, added := median(t0s), median(diffs)
	b.ReportMetric(float64(baseMedian.Nanoseconds()), "base-ns/op")
	b.ReportMetric(float64(added.Nanoseconds()), "added-ns/op")
	b.ReportMetric(100*float64(added)/float64(baseMedian), "added-%")
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

func benchRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/hello?name=bench", nil)
	r.Header.Set("User-Agent", "bench")
	r.Header.Set("Accept", "*/*")
	r.Header.Set("X-Request-Id", "bench-request") // no random trace_id per request
	return r
}

// withRecordingSpan returns r with a recording server span in its
// context, as Caddy's `tracing` directive gives it, from a tracer provider
// that batches to a no-op exporter.
func withRecordingSpan(b *testing.B, r *http.Request) *http.Request {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, server := tp.Tracer("bench").Start(r.Context(), "server", trace.WithSpanKind(trace.SpanKindServer))
	b.Cleanup(func() { server.End() })
	return r.WithContext(ctx)
}

var benchWriter = &discardWriter{header: make(http.Header)}

func serveOnce(b *testing.B, g *gojinn.Gojinn, r *http.Request) {
	clear(benchWriter.header)
	benchWriter.status = 0
	if err := g.ServeHTTP(benchWriter, r, nil); err != nil || benchWriter.status != http.StatusOK {
		b.Fatalf("status %d, err %v", benchWriter.status, err)
	}
}

// provisionForBench provisions a Gojinn running ok.wat, without the
// compilation cache; metricsOn gives it a metrics registry.
func provisionForBench(b *testing.B, metricsOn bool) *gojinn.Gojinn {
	b.Helper()
	ctx := caddy.Context{Context: context.Background()} // no registry: metrics off
	if metricsOn {
		var cancel context.CancelFunc
		ctx, cancel = caddy.NewContext(ctx)
		b.Cleanup(cancel)
		if ctx.GetMetricsRegistry() == nil {
			b.Fatal("caddy.NewContext gave no metrics registry")
		}
	}
	g := &gojinn.Gojinn{Path: testguest.WAT(b, "ok"), Name: "bench", CacheDir: "off"}
	if err := g.Provision(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = g.Cleanup() })
	return g
}

// discardWriter is a reusable http.ResponseWriter that keeps only the status.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
