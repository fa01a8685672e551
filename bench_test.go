package gojinn_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

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
			r := httptest.NewRequest(http.MethodGet, "/hello?name=bench", nil)
			r.Header.Set("User-Agent", "bench")
			r.Header.Set("Accept", "*/*")
			r.Header.Set("X-Request-Id", "bench-request") // no random trace_id per request
			if c.tracing {
				tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
				b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
				ctx, server := tp.Tracer("bench").Start(r.Context(), "server", trace.WithSpanKind(trace.SpanKindServer))
				b.Cleanup(func() { server.End() })
				r = r.WithContext(ctx)
			}
			w := &discardWriter{header: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				w.status = 0
				if err := g.ServeHTTP(w, r, nil); err != nil || w.status != http.StatusOK {
					b.Fatalf("status %d, err %v", w.status, err)
				}
			}
		})
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
