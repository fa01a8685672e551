package gojinn

import (
	"context"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/gojinn/gojinn/sandbox"
)

// Tracing: when Caddy's `tracing` directive wraps the route, every request
// gets a span gojinn.invoke, a child of Caddy's server span
// (docs/observability.md). Caddy sets no global tracer provider, so the
// span comes from the provider of the request's span.
const (
	tracerName = "github.com/gojinn/gojinn"
	spanName   = "gojinn.invoke"
)

// Span attributes (docs/observability.md lists them).
const (
	attrHandler     = attribute.Key("gojinn.handler")
	attrWasmSHA256  = attribute.Key("gojinn.wasm_sha256")
	attrOutcome     = attribute.Key("gojinn.outcome")
	attrStatusCode  = attribute.Key("http.response.status_code")
	attrInstantiate = attribute.Key("gojinn.instantiate_ms")
	attrExecute     = attribute.Key("gojinn.execute_ms")
	attrMemory      = attribute.Key("gojinn.memory_bytes")
	attrFuel        = attribute.Key("gojinn.fuel")
)

// propagator writes the span's context into the guest's request headers:
// the propagators of OTEL_PROPAGATORS (default W3C tracecontext and
// baggage), as Caddy's `tracing` directive uses to read and write them.
var propagator = sync.OnceValue(func() propagation.TextMapPropagator {
	return autoprop.NewTextMapPropagator()
})

// invocationSpan is one request's gojinn.invoke span and the request as the
// guest sees it under that span. The zero value is tracing off: its
// methods then hand back the request's own context and headers and do
// nothing else.
type invocationSpan struct {
	handler *Gojinn
	span    trace.Span
	ctx     context.Context
	header  http.Header // a copy of the request's, carrying the span's context
	traceID string      // the span's traceparent
}

// startSpan starts the gojinn.invoke span of r when r's context holds a
// recording span (Caddy's `tracing` directive is on and sampled this
// request). Otherwise it does no work at all.
func (g *Gojinn) startSpan(r *http.Request) invocationSpan {
	parent := trace.SpanFromContext(r.Context())
	if !parent.IsRecording() {
		return invocationSpan{}
	}
	// An internal span (the default kind); its attributes are all set at
	// its end, in one call: options here would cost allocations.
	ctx, span := parent.TracerProvider().Tracer(tracerName).Start(r.Context(), spanName)
	// Caddy has already written its server span's context into r.Header,
	// which it shares with every handler: the guest gets a copy instead.
	header := r.Header.Clone()
	if header == nil {
		header = make(http.Header)
	}
	propagator().Inject(ctx, propagation.HeaderCarrier(header))
	return invocationSpan{handler: g, span: span, ctx: ctx, header: header, traceID: traceparent(span.SpanContext())}
}

// context is the context the guest runs under.
func (s *invocationSpan) context(r *http.Request) context.Context {
	if s.span == nil {
		return r.Context()
	}
	return s.ctx
}

// headers are the request headers the guest sees.
func (s *invocationSpan) headers(r *http.Request) http.Header {
	if s.span == nil {
		return r.Header
	}
	return s.header
}

// traceIDOf is the contract's trace_id: the span's traceparent when
// tracing, else what the request carries (traceIDOf).
func (s *invocationSpan) traceIDOf(r *http.Request) string {
	if s.span == nil {
		return traceIDOf(r.Header)
	}
	return s.traceID
}

// end records how the request ended and ends the span. res is nil when the
// request was refused before any run (body_limit). A failure (any outcome
// but ok) sets the span's status to error, with the reason.
func (s *invocationSpan) end(status int, outcome sandbox.Outcome, res *sandbox.Result, reason string) {
	if s.span == nil {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs,
		attrHandler.String(s.handler.name),
		attrWasmSHA256.String(s.handler.wasmSum),
		attrOutcome.String(string(outcome)),
		attrStatusCode.Int(status))
	if ran(res) {
		attrs = append(attrs,
			attrInstantiate.Float64(milliseconds(res.Instantiate)),
			attrExecute.Float64(milliseconds(res.Execute)),
			attrMemory.Int64(int64(res.MemoryBytes)),
			attrFuel.Int64(res.Fuel))
	}
	s.span.SetAttributes(attrs...)
	if outcome != sandbox.OutcomeOK {
		s.span.SetStatus(codes.Error, string(outcome)+": "+reason)
	}
	s.span.End()
}

// ran tells whether a guest ran for res: not when the request was refused
// (res nil) or never got a sandbox (overload, or canceled while queued).
func ran(res *sandbox.Result) bool {
	return res != nil && (res.Pooled || res.Instantiate > 0 || res.Execute > 0)
}

func milliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// traceparent formats sc as a W3C traceparent header value.
func traceparent(sc trace.SpanContext) string {
	tid, sid := sc.TraceID(), sc.SpanID()
	var b [55]byte
	copy(b[:], "00-")
	hex.Encode(b[3:35], tid[:])
	b[35] = '-'
	hex.Encode(b[36:52], sid[:])
	b[52] = '-'
	hex.Encode(b[53:55], []byte{byte(sc.TraceFlags())})
	return string(b[:])
}
