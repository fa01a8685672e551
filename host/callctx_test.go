package host_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/gojinn/gojinn/host"
)

// capturingKV keeps the contexts its calls got.
type capturingKV struct {
	failingKV
	mu   sync.Mutex
	ctxs []context.Context
}

func (c *capturingKV) Get(ctx context.Context, _, _ string) ([]byte, uint64, error) {
	c.mu.Lock()
	c.ctxs = append(c.ctxs, ctx)
	c.mu.Unlock()
	return nil, 0, host.ErrNotFound
}

type probeKey struct{}

// A backend's context carries the run's span and is done once the call
// returns, but reaches nothing else of the run's context: the sandbox
// reuses that context for later runs, and a goroutine a backend left
// behind (Go's context package starts some) must not see a later run's
// values or state.
func TestBackendContextIsTheCallsOwn(t *testing.T) {
	kv := &capturingKV{}
	grants := &host.Grants{KV: map[string]host.Access{"s": host.Read}}
	p := newProgram()
	c := vectorCall{Fn: "kv_get", Store: bytesOf("s"), Key: bytesOf("k"), BufCap: 8}
	if err := c.encode(p); err != nil {
		t.Fatal(err)
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: 1})
	ctx := trace.ContextWithSpanContext(context.WithValue(context.Background(), probeKey{}, "request A"), sc)
	p.run(t, ctx, &host.Run{Grants: grants, KV: kv})
	if len(kv.ctxs) != 1 {
		t.Fatalf("the KV got %d calls, want 1", len(kv.ctxs))
	}
	got := kv.ctxs[0]
	if v := got.Value(probeKey{}); v != nil {
		t.Errorf("the backend's context has the request's value %v", v)
	}
	if got := trace.SpanContextFromContext(got); got.TraceID() != sc.TraceID() || got.SpanID() != sc.SpanID() {
		t.Errorf("the backend's context has span %v, want the run's %v", got, sc)
	}
	select {
	case <-got.Done():
	default:
		t.Error("the backend's context is not done after its call returned")
	}
}

// capturingQueue keeps the context its Enqueue got.
type capturingQueue struct{ ctx context.Context }

func (c *capturingQueue) Enqueue(ctx context.Context, _ string, _ []byte, _ http.Header) (string, error) {
	c.ctx = ctx
	return "id", nil
}

// enqueue is a backend call too: its Queue gets the call's own context,
// never the run's (which the sandbox reuses).
func TestEnqueueContextIsTheCallsOwn(t *testing.T) {
	q := &capturingQueue{}
	p := newProgram()
	c := vectorCall{Fn: "enqueue", Queue: bytesOf("q"), BufCap: host.MaxJobID}
	if err := c.encode(p); err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), probeKey{}, "request A")
	p.run(t, ctx, &host.Run{Grants: &host.Grants{Queues: map[string]bool{"q": true}}, Queue: q})
	if q.ctx == nil {
		t.Fatal("the queue got no call")
	}
	if v := q.ctx.Value(probeKey{}); v != nil {
		t.Errorf("the queue's context has the request's value %v", v)
	}
	select {
	case <-q.ctx.Done():
	default:
		t.Error("the queue's context is not done after its call returned")
	}
}
