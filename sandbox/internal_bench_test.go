package sandbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkInstantiate is creating (and closing) an instance alone.
func BenchmarkInstantiate(b *testing.B) {
	src := filepath.Join("..", "testdata", "guests", "ok.wat")
	out := filepath.Join(b.TempDir(), "ok.wasm")
	if o, err := exec.Command("wat2wasm", src, "-o", out).CombinedOutput(); err != nil {
		b.Fatalf("wat2wasm: %v %s", err, o)
	}
	wasm, _ := os.ReadFile(out)
	m, err := Compile(context.Background(), out, wasm, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close(context.Background())
	mc := moduleConfig(nil, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		mod, _, err := m.instantiate(ctx, mc)
		if err != nil {
			b.Fatal(err)
		}
		_ = mod.Close(ctx)
	}
}

// BenchmarkStopChecks compares the ways to stop a guest on a compute-heavy
// guest (a 10M-iteration loop) and the hello guests: uninstrumented
// without any checks (none: a guest cannot be stopped), uninstrumented
// with wazero's termination checks at every loop back-edge (checks:
// WithCloseOnContextDone, how runs were stopped before metering), and
// instrumented by sandbox/meter (metered: how they are stopped now).
func BenchmarkStopChecks(b *testing.B) {
	guests := map[string]string{
		"spin":      filepath.Join("..", "testdata", "guests", "spin.wat"),
		"wat":       filepath.Join("..", "testdata", "guests", "ok.wat"),
		"sdk-hello": filepath.Join("..", "examples", "hello-as", "build", "handler.wasm"),
	}
	modes := []struct {
		name string
		mode stopMode
	}{{"none", stopNever}, {"checks", stopByChecks}, {"metered", stopByMetering}}
	for _, name := range []string{"spin", "wat", "sdk-hello"} {
		src := guests[name]
		wasmPath := src
		if filepath.Ext(src) == ".wat" {
			wasmPath = filepath.Join(b.TempDir(), name+".wasm")
			if o, err := exec.Command("wat2wasm", src, "-o", wasmPath).CombinedOutput(); err != nil {
				b.Fatalf("wat2wasm: %v %s", err, o)
			}
		}
		wasm, err := os.ReadFile(wasmPath)
		if err != nil {
			b.Skipf("%s not built (make examples): %v", wasmPath, err)
		}
		for _, mode := range modes {
			b.Run(name+"/"+mode.name, func(b *testing.B) {
				m, err := Compile(context.Background(), name, wasm, Options{stopping: mode.mode})
				if err != nil {
					b.Fatal(err)
				}
				defer m.Close(context.Background())
				r := NewRunner(m, RunnerConfig{})
				req := &Request{Method: "GET", URI: "/", TraceID: "t"}
				b.ReportAllocs()
				for b.Loop() {
					if res := r.Run(context.Background(), req, nil); res.Err != nil {
						b.Fatal(res.Err)
					}
				}
			})
		}
	}
}

// BenchmarkCompile is Compile of the standard Go guest (examples/hello-go,
// built by `go build` into testdata/build) without a compilation cache,
// instrumented (metered-ms, as every module is) and as before metering
// (checks-ms: uninstrumented, with wazero's termination checks),
// alternating so that both see the same load on a shared machine.
func BenchmarkCompile(b *testing.B) {
	src := filepath.Join("..", "examples", "hello-go")
	out := filepath.Join(b.TempDir(), "hello-go.wasm")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir, cmd.Env = src, append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if o, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building hello-go: %v %s", err, o)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var took [2]time.Duration
	for b.Loop() {
		for i, mode := range []stopMode{stopByMetering, stopByChecks} {
			t0 := time.Now()
			m, err := Compile(ctx, "hello-go", wasm, Options{stopping: mode})
			if err != nil {
				b.Fatal(err)
			}
			took[i] += time.Since(t0)
			_ = m.Close(ctx)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 / float64(b.N) }
	b.ReportMetric(ms(took[0]), "metered-ms")
	b.ReportMetric(ms(took[1]), "checks-ms")
	b.ReportMetric(float64(took[0])/float64(took[1]), "ratio")
}

// BenchmarkMeterOverhead is what metering costs a compute-heavy guest
// (spin.wat, a 10M-iteration loop): metered runs and runs without any
// checks, alternating so that both see the same load, and their ratio.
func BenchmarkMeterOverhead(b *testing.B) {
	src := filepath.Join("..", "testdata", "guests", "spin.wat")
	out := filepath.Join(b.TempDir(), "spin.wasm")
	if o, err := exec.Command("wat2wasm", src, "-o", out).CombinedOutput(); err != nil {
		b.Fatalf("wat2wasm: %v %s", err, o)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var runners [2]*Runner
	for i, mode := range []stopMode{stopByMetering, stopNever} {
		m, err := Compile(ctx, "spin", wasm, Options{stopping: mode})
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close(ctx)
		runners[i] = NewRunner(m, RunnerConfig{})
	}
	req := &Request{Method: "GET", URI: "/", TraceID: "t"}
	var took [2]time.Duration
	for b.Loop() {
		for i, r := range runners {
			t0 := time.Now()
			if res := r.Run(ctx, req, nil); res.Err != nil {
				b.Fatal(res.Err)
			}
			took[i] += time.Since(t0)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 / float64(b.N) }
	b.ReportMetric(ms(took[0]), "metered-ms")
	b.ReportMetric(ms(took[1]), "none-ms")
	b.ReportMetric(float64(took[0])/float64(took[1]), "ratio")
}
