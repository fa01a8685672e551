package gojinn_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/gojinn/gojinn/internal/testguest"
)

// With Caddy's `tracing` directive, every invocation is a span
// gojinn.invoke, child of Caddy's server span, exported by Caddy's own
// OTLP/HTTP exporter to a real receiver; the guest sees that span's
// context in its traceparent header and trace_id.
func TestTracingSpans(t *testing.T) {
	receiver := exportTraces(t)

	echo, trap := testguest.Go(t, "echo-go"), testguest.WAT(t, "trap")
	tester, _ := server(t, fmt.Sprintf(`
http://127.0.0.1:9080 {
	tracing {
		span caddy-server
	}
	gojinn /trap %s {
		name traced-trap
	}
	gojinn %s {
		name traced-echo
		pool_size 1
	}
	# Shows the traceparent of Caddy's own request headers after a failure.
	handle_errors {
		respond "{http.request.header.traceparent}" {err.status_code}
	}
}`, trap, echo))
	echoSum := fileSHA256(t, echo)

	get := func(t *testing.T, req *http.Request) echoed {
		t.Helper()
		resp, body := do(t, tester, req)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var e echoed
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return e
	}

	// checkInvoke checks the gojinn.invoke span the guest's trace_id
	// names, and returns it with Caddy's server span of the same trace.
	checkInvoke := func(t *testing.T, e echoed) (invoke, server *tracepb.Span) {
		t.Helper()
		traceID, spanID, ok := parseTraceparent(e.Request.TraceID)
		if !ok {
			t.Fatalf("trace_id %q is not a sampled traceparent", e.Request.TraceID)
		}
		if got := e.Request.Headers["Traceparent"]; len(got) != 1 || got[0] != e.Request.TraceID {
			t.Errorf("the guest's traceparent header = %q, want its trace_id %q", got, e.Request.TraceID)
		}
		invoke = receiver.waitForSpan(t, func(s *tracepb.Span) bool {
			return s.GetName() == "gojinn.invoke" && hex.EncodeToString(s.GetSpanId()) == spanID
		})
		if got := hex.EncodeToString(invoke.GetTraceId()); got != traceID {
			t.Errorf("gojinn.invoke trace ID %s, the guest's trace_id says %s", got, traceID)
		}
		server = receiver.waitForSpan(t, func(s *tracepb.Span) bool {
			return s.GetName() == "caddy-server" && hex.EncodeToString(s.GetTraceId()) == traceID
		})
		if server.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
			t.Errorf("Caddy's span has kind %v", server.GetKind())
		}
		if got, want := hex.EncodeToString(invoke.GetParentSpanId()), hex.EncodeToString(server.GetSpanId()); got != want {
			t.Errorf("gojinn.invoke's parent is %s, want Caddy's server span %s", got, want)
		}
		if invoke.GetKind() != tracepb.Span_SPAN_KIND_INTERNAL {
			t.Errorf("gojinn.invoke has kind %v, want internal", invoke.GetKind())
		}
		if invoke.GetStartTimeUnixNano() < server.GetStartTimeUnixNano() || invoke.GetEndTimeUnixNano() > server.GetEndTimeUnixNano() {
			t.Error("gojinn.invoke does not lie within Caddy's span")
		}
		a := attributes(invoke)
		want := map[string]any{
			"gojinn.handler":            "traced-echo",
			"gojinn.wasm_sha256":        echoSum,
			"gojinn.outcome":            "ok",
			"http.response.status_code": int64(200),
		}
		for k, v := range want {
			if a[k] != v {
				t.Errorf("attribute %s = %#v, want %#v", k, a[k], v)
			}
		}
		if v, ok := a["gojinn.instantiate_ms"].(float64); !ok || v < 0 {
			t.Errorf("gojinn.instantiate_ms = %#v", a["gojinn.instantiate_ms"])
		}
		if v, ok := a["gojinn.execute_ms"].(float64); !ok || v < 1 { // echo-go sleeps 1ms
			t.Errorf("gojinn.execute_ms = %#v, want at least 1", a["gojinn.execute_ms"])
		}
		if v, ok := a["gojinn.memory_bytes"].(int64); !ok || v < 1<<20 || v%65536 != 0 {
			t.Errorf("gojinn.memory_bytes = %#v, want whole pages of a Go guest", a["gojinn.memory_bytes"])
		}
		if v, ok := a["gojinn.fuel"].(int64); !ok || v < 100_000 {
			t.Errorf("gojinn.fuel = %#v, want the fuel of a Go guest (over a million)", a["gojinn.fuel"])
		}
		if invoke.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_UNSET {
			t.Errorf("status of a successful invoke: %v", invoke.GetStatus())
		}
		return invoke, server
	}

	t.Run("a new trace", func(t *testing.T) {
		e := get(t, newRequest(t, "GET", base+"/new", nil))
		_, server := checkInvoke(t, e)
		if len(server.GetParentSpanId()) != 0 {
			t.Errorf("Caddy's span has a parent %x, want a root span", server.GetParentSpanId())
		}
	})

	t.Run("an incoming traceparent is continued", func(t *testing.T) {
		const clientTrace, clientSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
		req := newRequest(t, "GET", base+"/continued", nil)
		req.Header.Set("Traceparent", "00-"+clientTrace+"-"+clientSpan+"-01")
		req.Header.Set("X-Request-ID", "not-used-when-tracing")
		e := get(t, req)
		if !strings.HasPrefix(e.Request.TraceID, "00-"+clientTrace+"-") || strings.Contains(e.Request.TraceID, clientSpan) {
			t.Fatalf("trace_id = %q, want the client's trace with gojinn.invoke's span", e.Request.TraceID)
		}
		_, server := checkInvoke(t, e)
		if got := hex.EncodeToString(server.GetParentSpanId()); got != clientSpan {
			t.Errorf("Caddy's span's parent is %s, want the client's %s", got, clientSpan)
		}
	})

	t.Run("a failure", func(t *testing.T) {
		const clientTrace = "0af7651916cd43dd8448eb211c80319c"
		req := newRequest(t, "GET", base+"/trap", nil)
		req.Header.Set("Traceparent", "00-"+clientTrace+"-b7ad6b7169203331-01")
		resp, body := do(t, tester, req)
		if resp.StatusCode != 502 {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
		invoke := receiver.waitForSpan(t, func(s *tracepb.Span) bool {
			return s.GetName() == "gojinn.invoke" && hex.EncodeToString(s.GetTraceId()) == clientTrace
		})
		server := receiver.waitForSpan(t, func(s *tracepb.Span) bool {
			return s.GetName() == "caddy-server" && hex.EncodeToString(s.GetTraceId()) == clientTrace
		})
		if !bytes.Equal(invoke.GetParentSpanId(), server.GetSpanId()) {
			t.Errorf("gojinn.invoke's parent is %x, want Caddy's span %x", invoke.GetParentSpanId(), server.GetSpanId())
		}
		// Caddy's own request headers, which handle_errors reads after
		// gojinn, still carry Caddy's span: only the guest's copy of them
		// carries gojinn.invoke.
		if want := fmt.Sprintf("00-%s-%x-01", clientTrace, server.GetSpanId()); body != want {
			t.Errorf("Caddy's request headers carry traceparent %q after gojinn, want Caddy's span's %q (gojinn.invoke is %x)", body, want, invoke.GetSpanId())
		}
		a := attributes(invoke)
		if a["gojinn.handler"] != "traced-trap" || a["gojinn.outcome"] != "trap" || a["http.response.status_code"] != int64(502) {
			t.Errorf("attributes %v", a)
		}
		if st := invoke.GetStatus(); st.GetCode() != tracepb.Status_STATUS_CODE_ERROR || !strings.HasPrefix(st.GetMessage(), "trap: ") {
			t.Errorf("status %v, want error with the reason", st)
		}
	})

	t.Run("an unsampled request makes no span", func(t *testing.T) {
		const clientTrace = "11111111111111111111111111111111"
		req := newRequest(t, "GET", base+"/unsampled", nil)
		req.Header.Set("Traceparent", "00-"+clientTrace+"-2222222222222222-00")
		e := get(t, req)
		// The guest still gets Caddy's (non-recording) span's context.
		if !strings.HasPrefix(e.Request.TraceID, "00-"+clientTrace+"-") || !strings.HasSuffix(e.Request.TraceID, "-00") {
			t.Errorf("trace_id = %q, want the client's unsampled trace", e.Request.TraceID)
		}
		// A sampled request after it: once its spans are in, any span of
		// the unsampled one would be too.
		checkInvoke(t, get(t, newRequest(t, "GET", base+"/after", nil)))
		time.Sleep(300 * time.Millisecond)
		for _, s := range receiver.all() {
			if hex.EncodeToString(s.GetTraceId()) == clientTrace {
				t.Errorf("span %q exported for an unsampled request", s.GetName())
			}
		}
	})
}

// otlpReceiver is an OTLP/HTTP trace receiver (POST /v1/traces, protobuf).
type otlpReceiver struct {
	url   string
	mu    sync.Mutex
	spans []*tracepb.Span
}

// exportTraces points Caddy's exporter at the test process's one OTLP
// receiver (every trace sampled, W3C propagation) for the test's duration.
// One receiver for all tests: Caddy keeps its tracer provider, with the
// endpoint it read from the environment when it made it, for as long as
// consecutive configs use `tracing`, so a receiver per test would miss the
// spans of the next test. Tests find their spans by trace and span IDs.
func exportTraces(t *testing.T) *otlpReceiver {
	t.Helper()
	receiver, err := traceReceiver()
	if err != nil {
		t.Fatal(err)
	}
	// Caddy's exporter and batch span processor read these when the first
	// `tracing` handler is provisioned.
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.url+"/v1/traces")
	t.Setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")
	t.Setenv("OTEL_PROPAGATORS", "tracecontext,baggage")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	return receiver
}

// traceReceiver starts the process's OTLP receiver, which serves until
// the test binary exits.
var traceReceiver = sync.OnceValues(func() (*otlpReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &otlpReceiver{url: "http://" + ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(rc.serveHTTP), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return rc, nil
})

func (rc *otlpReceiver) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			rc.spans = append(rc.spans, ss.GetSpans()...)
		}
	}
	rc.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (rc *otlpReceiver) all() []*tracepb.Span {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*tracepb.Span(nil), rc.spans...)
}

// waitForSpan waits up to 10s for a span that match accepts.
func (rc *otlpReceiver) waitForSpan(t *testing.T, match func(*tracepb.Span) bool) *tracepb.Span {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, s := range rc.all() {
			if match(s) {
				return s
			}
		}
	}
	var names []string
	for _, s := range rc.all() {
		names = append(names, fmt.Sprintf("%s %x/%x<-%x", s.GetName(), s.GetTraceId(), s.GetSpanId(), s.GetParentSpanId()))
	}
	t.Fatalf("no matching span received in 10s; received: %v", names)
	return nil
}

// attributes are a span's attributes as Go values (int64, float64, string, bool).
func attributes(s *tracepb.Span) map[string]any {
	a := map[string]any{}
	for _, kv := range s.GetAttributes() {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			a[kv.GetKey()] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			a[kv.GetKey()] = v.IntValue
		case *commonpb.AnyValue_DoubleValue:
			a[kv.GetKey()] = v.DoubleValue
		case *commonpb.AnyValue_BoolValue:
			a[kv.GetKey()] = v.BoolValue
		default:
			a[kv.GetKey()] = kv.GetValue().String()
		}
	}
	return a
}

// parseTraceparent splits a sampled W3C traceparent into its hex IDs.
func parseTraceparent(tp string) (traceID, spanID string, ok bool) {
	f := strings.Split(tp, "-")
	if len(f) != 4 || f[0] != "00" || len(f[1]) != 32 || len(f[2]) != 16 || f[3] != "01" {
		return "", "", false
	}
	return f[1], f[2], true
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	sum := sha256.Sum256(testguest.Read(t, path))
	return hex.EncodeToString(sum[:])
}
