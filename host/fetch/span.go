package fetch

import (
	"context"
	"net/http"
	"net/url"
	"sync"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/gojinn/gojinn/host"
)

// Tracing: a call under a traced run is a client span gojinn.fetch, child
// of the run's span, and its request carries that span's context
// (traceparent). Caddy sets no global tracer provider: the span comes from
// the provider of the run's span.
const (
	tracerName = "github.com/gojinn/gojinn/host/fetch"
	spanName   = "gojinn.fetch"
)

// Span attributes, after OpenTelemetry's HTTP client conventions; no path
// or query, which may carry secrets.
const (
	attrMethod     = attribute.Key("http.request.method")
	attrScheme     = attribute.Key("url.scheme")
	attrAddress    = attribute.Key("server.address")
	attrPort       = attribute.Key("server.port")
	attrStatusCode = attribute.Key("http.response.status_code")
	attrBodySize   = attribute.Key("http.response.body.size")
	attrErrorType  = attribute.Key("error.type")
)

// propagator writes the span's context into the outbound headers: the
// propagators of OTEL_PROPAGATORS (default W3C tracecontext and baggage),
// as the root package does for the guest's own request.
var propagator = sync.OnceValue(func() propagation.TextMapPropagator {
	return autoprop.NewTextMapPropagator()
})

// fetchSpan is one call's span; the zero value (the run is not traced)
// does nothing.
type fetchSpan struct{ span trace.Span }

// startSpan starts the call's span when ctx carries a span context.
func startSpan(ctx context.Context, req *host.FetchRequest) (context.Context, fetchSpan) {
	parent := trace.SpanFromContext(ctx)
	if !parent.SpanContext().IsValid() {
		return ctx, fetchSpan{}
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	attrs := []attribute.KeyValue{attrMethod.String(method)}
	if u, err := url.Parse(req.URL); err == nil {
		attrs = append(attrs, attrScheme.String(u.Scheme), attrAddress.String(u.Hostname()), attrPort.Int(int(urlPort(u))))
	}
	ctx, span := parent.TracerProvider().Tracer(tracerName).Start(ctx, spanName,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, fetchSpan{span: span}
}

// inject writes the span's context into the request's headers.
func (s fetchSpan) inject(ctx context.Context, h http.Header) {
	if s.span != nil {
		propagator().Inject(ctx, propagation.HeaderCarrier(h))
	}
}

// end records the call's result and ends the span; a failed call is an
// error whose type is the guest's status (denied, timeout...).
func (s fetchSpan) end(resp *host.FetchResponse, err error) {
	if s.span == nil {
		return
	}
	if err != nil {
		status := host.StatusOf(err).String()
		s.span.SetAttributes(attrErrorType.String(status))
		s.span.SetStatus(codes.Error, err.Error())
	} else {
		s.span.SetAttributes(attrStatusCode.Int(resp.Status), attrBodySize.Int(len(resp.Body)))
	}
	s.span.End()
}
