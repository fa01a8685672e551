package host_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/sandbox"
)

func mustVector(t *testing.T, src string) *vector {
	t.Helper()
	var v vector
	if err := json.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

// A call without a Run in its context (a pooled instance before its
// request) is denied, whatever the grants would be; host_log is dropped.
func TestNoRunDenied(t *testing.T) {
	runVector(t, mustVector(t, `{
		"grants": {"kv": {"s": "read-write"}, "fetch": true, "enqueue": ["q"]},
		"kv": {"s": {"k": "v"}},
		"calls": [
			{"fn": "kv_get", "store": "s", "key": "k", "buf_cap": 8, "expect": {"status": "denied"}},
			{"fn": "kv_set", "store": "s", "key": "k", "value": "w", "expect": {"status": "denied"}},
			{"fn": "kv_keys", "store": "s", "buf_cap": 64, "expect": {"status": "denied"}},
			{"fn": "fetch", "request": "{\"url\":\"https://a.example/\"}", "expect": {"status": "denied"}},
			{"fn": "fetch_close", "handle": 1, "expect": {"status": "denied"}},
			{"fn": "enqueue", "queue": "q", "body": "x", "buf_cap": 64, "expect": {"status": "denied"}},
			{"fn": "host_log", "level": 3, "msg": "dropped"}
		],
		"after": {"kv": {"s": {"k": "v"}}, "sent": [], "logs": [], "enqueued": [], "denied": 0}
	}`), true)
}

// The denied report says which call and why.
func TestDeniedReasons(t *testing.T) {
	var reasons []string
	run := &host.Run{
		Grants: &host.Grants{KV: map[string]host.Access{"settings": host.Read}}, KV: newMemoryKV(),
		Denied: func(function, reason string) { reasons = append(reasons, function+": "+reason) },
	}
	p := newProgram()
	for _, c := range []vectorCall{
		{Fn: "kv_set", Store: bytesOf("settings"), Key: bytesOf("k")},
		{Fn: "kv_get", Store: bytesOf("users"), Key: bytesOf("k")},
		{Fn: "fetch", Req: bytesOf(`{"url":"https://a.example/"}`)},
		{Fn: "enqueue", Queue: bytesOf("billing"), BufCap: 64},
	} {
		if err := c.encode(p); err != nil {
			t.Fatal(err)
		}
	}
	p.run(t, context.Background(), run)
	want := []string{
		`kv_set: store "settings" is granted read-only`,
		`kv_get: store "users" is not granted`,
		`fetch: no fetch allow-list is granted`,
		`enqueue: queue "billing" is not granted`,
	}
	if fmt.Sprint(reasons) != fmt.Sprint(want) {
		t.Fatalf("reasons %q, want %q", reasons, want)
	}
}

func bytesOf(s string) *byteSpec {
	b := byteSpec(s)
	return &b
}

// Backend failures are the call's status; a Run with grants but no KV
// backend answers unavailable.
func TestBackendFailures(t *testing.T) {
	grants := &host.Grants{KV: map[string]host.Access{"s": host.ReadWrite}}
	for _, tc := range []struct {
		kv   host.KV
		want host.Status
	}{
		{nil, host.StatusUnavailable},
		{failingKV{fmt.Errorf("nats: %w", host.ErrUnavailable)}, host.StatusUnavailable},
		{failingKV{errors.New("disk on fire")}, host.StatusIOError},
		{failingKV{fmt.Errorf("store full: %w", host.ErrTooLarge)}, host.StatusTooLarge},
	} {
		p := newProgram()
		for _, fn := range []string{"kv_get", "kv_set", "kv_create", "kv_update", "kv_delete", "kv_increment", "kv_keys"} {
			c := vectorCall{Fn: fn, Store: bytesOf("s"), Key: bytesOf("k"), BufCap: 64}
			if err := c.encode(p); err != nil {
				t.Fatal(err)
			}
		}
		out := p.run(t, context.Background(), &host.Run{Grants: grants, KV: tc.kv})
		for i := 0; i < len(out); i += 3 {
			if st := host.Status(binary.LittleEndian.Uint32(out[i])); st != tc.want {
				t.Errorf("%v: call %d: %s, want %s", tc.kv, i/3, st, tc.want)
			}
		}
	}
}

// failingKV fails every call with err.
type failingKV struct{ err error }

func (f failingKV) Get(context.Context, string, string) ([]byte, uint64, error) { return nil, 0, f.err }

func (f failingKV) Set(context.Context, string, string, []byte, time.Duration) (uint64, error) {
	return 0, f.err
}

func (f failingKV) Create(context.Context, string, string, []byte, time.Duration) (uint64, error) {
	return 0, f.err
}

func (f failingKV) Update(context.Context, string, string, []byte, uint64) (uint64, error) {
	return 0, f.err
}
func (f failingKV) Delete(context.Context, string, string) error { return f.err }
func (f failingKV) Increment(context.Context, string, string, int64) (int64, error) {
	return 0, f.err
}

func (f failingKV) Keys(context.Context, string, string, string, int) ([]string, bool, error) {
	return nil, false, f.err
}

// blockingKV's Get waits for its context, as a backend call does when
// its server does not answer.
type blockingKV struct{ failingKV }

func (blockingKV) Get(ctx context.Context, _, _ string) ([]byte, uint64, error) {
	<-ctx.Done()
	return nil, 0, ctx.Err()
}

// A run stopped while a host call blocks (its timeout, its client gone)
// ends that call at once, fresh or pooled: its context is the run's. (A
// run returns only once its guest's call has returned.)
func TestStoppedRunEndsBlockingCalls(t *testing.T) {
	m := driverModule(t)
	for _, pool := range []int{0, 1} {
		r := sandbox.NewRunner(m, sandbox.RunnerConfig{PoolSize: pool, Limits: sandbox.RunLimits{Timeout: 200 * time.Millisecond}})
		kv := blockingKV{}
		fetcher := &scriptedFetcher{block: true}
		grants := &host.Grants{KV: map[string]host.Access{"s": host.Read}, Fetcher: fetcher}
		calls := map[string]vectorCall{
			"kv_get": {Fn: "kv_get", Store: bytesOf("s"), Key: bytesOf("k")},
			"fetch":  {Fn: "fetch", Req: bytesOf(`{"url":"https://slow.example/"}`)},
		}
		for name, c := range calls {
			p := newProgram()
			if err := c.encode(p); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			for _, stop := range []func(){nil, cancel} {
				want := sandbox.OutcomeTimeout
				if stop != nil {
					want = sandbox.OutcomeCanceled
					time.AfterFunc(50*time.Millisecond, stop)
				}
				start := time.Now()
				res := r.Run(host.WithRun(ctx, &host.Run{Grants: grants, KV: kv}), p.request(), nil)
				if res.Outcome != want {
					t.Fatalf("pool %d, %s: outcome %s (%v), want %s", pool, name, res.Outcome, res.Err, want)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Fatalf("pool %d, %s: the run took %s to stop", pool, name, d)
				}
			}
			cancel()
		}
		r.Close()
		if n := len(fetcher.sent); n != 2 {
			t.Fatalf("pool %d: the fetcher got %d requests, want 2", pool, n)
		}
	}
}

// Observe gets every call: its function, status and duration.
func TestObserve(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	run := &host.Run{
		Grants: &host.Grants{KV: map[string]host.Access{"s": host.ReadWrite}}, KV: newMemoryKV(),
		Observe: func(function string, st host.Status, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if d < 0 || d > time.Minute {
				t.Errorf("%s took %s", function, d)
			}
			seen = append(seen, function+" "+st.String())
		},
	}
	p := newProgram()
	for _, c := range []vectorCall{
		{Fn: "kv_set", Store: bytesOf("s"), Key: bytesOf("k"), Value: bytesOf("v")},
		{Fn: "kv_get", Store: bytesOf("s"), Key: bytesOf("k")},
		{Fn: "kv_get", Store: bytesOf("x"), Key: bytesOf("k")},
		{Fn: "host_log", Msg: bytesOf("hi")},
		{Fn: "host_log", Msg: bytesOf("hi"), OOB: []string{"msg"}},
		{Fn: "fetch_close", Handle: 7},
	} {
		if err := c.encode(p); err != nil {
			t.Fatal(err)
		}
	}
	p.run(t, context.Background(), run)
	want := "[kv_set ok kv_get buffer_too_small kv_get denied host_log ok host_log invalid fetch_close invalid]"
	if got := fmt.Sprint(seen); got != want {
		t.Fatalf("observed %s, want %s", got, want)
	}
}

// Close frees the run's responses: their handles are invalid afterwards.
func TestCloseFreesResponses(t *testing.T) {
	fetcher := &scriptedFetcher{replies: []fetchReply{{Status: 200, Body: "kept"}}}
	run := &host.Run{Grants: &host.Grants{Fetcher: fetcher}}
	read := vectorCall{Fn: "fetch_body", Handle: 1, BufCap: 16}
	p := newProgram()
	for _, c := range []vectorCall{{Fn: "fetch", Req: bytesOf(`{"url":"https://a.example/"}`)}, read} {
		if err := c.encode(p); err != nil {
			t.Fatal(err)
		}
	}
	out := p.run(t, context.Background(), run)
	if st := binary.LittleEndian.Uint32(out[3]); st != uint32(host.StatusOK) || string(out[5][:4]) != "kept" {
		t.Fatalf("before Close: fetch_body %s %q", host.Status(st), out[5])
	}
	run.Close()
	q := newProgram()
	if err := read.encode(q); err != nil {
		t.Fatal(err)
	}
	if st := host.Status(binary.LittleEndian.Uint32(q.run(t, context.Background(), run)[0])); st != host.StatusInvalid {
		t.Fatalf("after Close: fetch_body %s, want invalid", st)
	}
}

// failingQueue fails every Enqueue with err, or answers id.
type failingQueue struct {
	id  string
	err error
}

func (f failingQueue) Enqueue(context.Context, string, []byte, http.Header) (string, error) {
	return f.id, f.err
}

// enqueue's backend failures are its status; a Run with the grant but no
// Queue answers unavailable, and an id over MaxJobID (a broken backend)
// is io_error rather than a truncated id.
func TestEnqueueBackendFailures(t *testing.T) {
	grants := &host.Grants{Queues: map[string]bool{"q": true}}
	for _, tc := range []struct {
		queue host.Queue
		want  host.Status
	}{
		{nil, host.StatusUnavailable},
		{failingQueue{err: fmt.Errorf("stream full: %w", host.ErrUnavailable)}, host.StatusUnavailable},
		{failingQueue{err: fmt.Errorf("over max_job_size: %w", host.ErrTooLarge)}, host.StatusTooLarge},
		{failingQueue{err: fmt.Errorf("no queue q: %w", host.ErrNotFound)}, host.StatusNotFound},
		{failingQueue{err: errors.New("disk on fire")}, host.StatusIOError},
		{failingQueue{id: strings.Repeat("i", host.MaxJobID+1)}, host.StatusIOError},
		{failingQueue{id: strings.Repeat("i", host.MaxJobID)}, host.StatusOK},
	} {
		p := newProgram()
		c := vectorCall{Fn: "enqueue", Queue: bytesOf("q"), Body: bytesOf("b"), BufCap: host.MaxJobID}
		if err := c.encode(p); err != nil {
			t.Fatal(err)
		}
		out := p.run(t, context.Background(), &host.Run{Grants: grants, Queue: tc.queue})
		if st := host.Status(binary.LittleEndian.Uint32(out[0])); st != tc.want {
			t.Errorf("%v: %s, want %s", tc.queue, st, tc.want)
		}
	}
}
