package fetch

import (
	"context"
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gojinn/gojinn/host"
)

// Under a traced run, each call is a client span gojinn.fetch, child of
// the run's span, and the request carries that span's traceparent.
func TestFetchSpan(t *testing.T) {
	var traceparent []string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		traceparent = append(traceparent, r.Header.Get("Traceparent"))
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/", http.StatusFound)
		}
	})
	c := newClient(t, Config{}, srv.URL)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, run := tp.Tracer("test").Start(context.Background(), "run")

	// Without a span: nothing added, a guest's own header passes.
	_, err := c.Fetch(context.Background(), &host.FetchRequest{URL: srv.URL, Header: http.Header{"Traceparent": {"guest's"}}})
	if err != nil || traceparent[0] != "guest's" {
		t.Fatalf("untraced: %v, traceparent %q", err, traceparent)
	}
	if _, err := c.Fetch(ctx, &host.FetchRequest{URL: srv.URL + "/redirect", Header: http.Header{"Traceparent": {"guest's"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(ctx, &host.FetchRequest{URL: "http://10.0.0.1/"}); host.StatusOf(err) != host.StatusDenied {
		t.Fatalf("denied call: %v", err)
	}
	run.End()

	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3 (two calls and the run)", len(spans))
	}
	ok, denied := spans[0], spans[1]
	for _, s := range []sdktrace.ReadOnlySpan{ok, denied} {
		if s.Name() != "gojinn.fetch" || s.SpanKind() != trace.SpanKindClient || s.Parent().SpanID() != run.SpanContext().SpanID() {
			t.Errorf("span %s kind %s parent %s, want gojinn.fetch, client, the run's", s.Name(), s.SpanKind(), s.Parent().SpanID())
		}
	}
	want := "00-" + ok.SpanContext().TraceID().String() + "-" + ok.SpanContext().SpanID().String() + "-01"
	if len(traceparent) != 3 || traceparent[1] != want || traceparent[2] != want {
		t.Errorf("traceparent %q, want %s on both hops", traceparent[1:], want)
	}
	attrs := map[string]string{}
	for _, a := range ok.Attributes() {
		attrs[string(a.Key)] = a.Value.Emit()
	}
	port := strings.TrimPrefix(portOf(srv.URL), ":")
	for k, v := range map[string]string{
		"http.request.method": "GET", "url.scheme": "http", "server.address": "127.0.0.1",
		"server.port": port, "http.response.status_code": "200", "http.response.body.size": "0",
	} {
		if attrs[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs[k], v)
		}
	}
	var errType string
	for _, a := range denied.Attributes() {
		if a.Key == "error.type" {
			errType = a.Value.Emit()
		}
	}
	if errType != "denied" || denied.Status().Code.String() != "Error" {
		t.Errorf("denied call: error.type %q, status %v", errType, denied.Status())
	}
}
