package sandbox_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
)

// benchRequest is a typical small GET with a few headers.
var benchRequest = &sandbox.Request{
	Method: "GET", URI: "/hello?name=bench",
	Headers: map[string][]string{
		"Accept":     {"*/*"},
		"User-Agent": {"wrk"},
		"X-Tag":      {"a", "b"},
	},
	TraceID: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	Host:    "127.0.0.1:8080", RemoteAddr: "127.0.0.1:50000", Proto: "HTTP/1.1",
}

// asHello is examples/hello-as, built by `make examples`.
func asHello(b *testing.B) string {
	p := filepath.Join(testguest.Root(), "examples", "hello-as", "build", "handler.wasm")
	if _, err := os.Stat(p); err != nil {
		b.Skipf("%s is not built (run make examples): %v", p, err)
	}
	return p
}

// BenchmarkInvoke is one whole invocation without HTTP: instantiate,
// stdin, run, stdout, decode.
func BenchmarkInvoke(b *testing.B) {
	guests := []struct {
		name string
		path func(b *testing.B) string
		pool int
	}{
		{"wat", func(b *testing.B) string { return testguest.WAT(b, "ok") }, 0},
		{"as", asHello, 0},
		{"go", func(b *testing.B) string { return testguest.Go(b, "examples/hello-go") }, 0},
		{"go-pooled", func(b *testing.B) string { return testguest.Go(b, "examples/hello-go") }, 4},
	}
	for _, g := range guests {
		b.Run(g.name, func(b *testing.B) {
			r := sandbox.NewRunner(compile(b, g.path(b), sandbox.Options{}), sandbox.RunnerConfig{PoolSize: g.pool})
			defer r.Close()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if res := r.Run(ctx, benchRequest, nil); res.Err != nil {
					b.Fatal(res.Err)
				}
			}
		})
	}
}

// BenchmarkInvokeParallel runs invocations on every core at once.
func BenchmarkInvokeParallel(b *testing.B) {
	r := sandbox.NewRunner(compile(b, testguest.WAT(b, "ok"), sandbox.Options{}), sandbox.RunnerConfig{})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res := r.Run(ctx, benchRequest, nil); res.Err != nil {
				b.Fatal(res.Err)
			}
		}
	})
}

func BenchmarkEncodeRequest(b *testing.B) {
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = benchRequest.AppendJSON(buf[:0])
	}
}

func BenchmarkDecodeResponse(b *testing.B) {
	out := []byte(`{"status":200,"headers":{"Content-Type":["text/plain; charset=utf-8"]},"body":"Hello from Gojinn!"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sandbox.DecodeResponse(out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGrowMemory is a guest growing its memory to the default 128MB
// memory_limit in 4 MiB steps: past the recycled size classes (16 MiB),
// what each growth copies.
func BenchmarkGrowMemory(b *testing.B) {
	m := compile(b, testguest.WAT(b, "growsteps"), sandbox.Options{MemoryLimitPages: sandbox.PagesFor(sandbox.DefaultMemoryLimit)})
	r := sandbox.NewRunner(m, sandbox.RunnerConfig{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := r.Run(ctx, benchRequest, nil); res.Err != nil || string(res.Response.Body) != "grown" {
			b.Fatal(res.Err)
		}
	}
}

// BenchmarkBurstLargeBodies is a burst of 32 concurrent runs with 1 MB
// bodies of control bytes (each ~6 MB of request JSON); MB-held is the heap
// still in use after the burst and a garbage collection: what buffers kept
// for reuse hold on to.
func BenchmarkBurstLargeBodies(b *testing.B) {
	const burst = 32
	r := sandbox.NewRunner(compile(b, testguest.WAT(b, "ok"), sandbox.Options{}), sandbox.RunnerConfig{MaxConcurrency: burst})
	req := *benchRequest
	req.Method, req.Body = "POST", bytes.Repeat([]byte{1}, 1<<20)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for range burst {
			wg.Go(func() {
				if res := r.Run(ctx, &req, nil); res.Err != nil {
					b.Error(res.Err)
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/1e6, "MB-held")
}

// BenchmarkStopDelay is how late an endless loop (loop.wat) is stopped
// after its deadline: ms-late is the run's duration less its timeout
// (which starts before instantiation, microseconds before the loop).
func BenchmarkStopDelay(b *testing.B) {
	const timeout = 20 * time.Millisecond
	r := sandbox.NewRunner(compile(b, testguest.WAT(b, "loop"), sandbox.Options{}),
		sandbox.RunnerConfig{Limits: sandbox.RunLimits{Timeout: timeout}})
	ctx := context.Background()
	var late time.Duration
	for b.Loop() {
		t0 := time.Now()
		if res := r.Run(ctx, benchRequest, nil); res.Outcome != sandbox.OutcomeTimeout {
			b.Fatal(res.Err)
		}
		late += time.Since(t0) - timeout
	}
	b.ReportMetric(float64(late.Microseconds())/1e3/float64(b.N), "ms-late")
}
