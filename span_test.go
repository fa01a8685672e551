package gojinn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/gojinn/gojinn/sandbox"
)

// Without a recording span in the request (no `tracing` directive, or an
// unsampled request), the span work costs no allocation at all.
func TestSpanOffAllocatesNothing(t *testing.T) {
	g := &Gojinn{name: "h", wasmSum: "00"}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-Request-Id", "rid") // else traceIDOf draws a fresh one
	unsampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2},
	}))
	res := &sandbox.Result{Outcome: sandbox.OutcomeOK}
	for name, r := range map[string]*http.Request{"no span": r, "unsampled": r.WithContext(unsampled)} {
		allocs := testing.AllocsPerRun(100, func() {
			s := g.startSpan(r)
			if s.traceIDOf(r) != "rid" || s.context(r) != r.Context() || s.headers(r) == nil {
				t.Fatal("tracing off changed the request")
			}
			s.end(200, sandbox.OutcomeOK, res, "")
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per request, want 0", name, allocs)
		}
	}
}

func TestTraceparent(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	if got, want := traceparent(sc), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"; got != want {
		t.Errorf("traceparent = %q, want %q", got, want)
	}
}
