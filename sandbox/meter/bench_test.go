package meter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// BenchmarkRun runs guests (spin.wat: a 10M-iteration loop; sha256-go: a
// standard Go guest hashing 20,000 times; echo-go: the standard Go echo)
// three ways: instrumented (refuel hands out
// slices, no termination checks), as they are without checks (the floor),
// and as they are with wazero's termination checks (WithCloseOnContextDone,
// what the sandbox used before metering).
//
//	go test -run '^$' -bench BenchmarkRun -benchtime 20x ./sandbox/meter/
func BenchmarkRun(b *testing.B) {
	guests := map[string][]byte{
		"spin":      testguest.Read(b, testguest.WAT(b, "spin")),
		"echo-go":   testguest.Read(b, testguest.Go(b, "echo-go")),
		"sha256-go": testguest.Read(b, testguest.Go(b, "testdata/meter/sha256-go")),
	}
	for _, name := range []string{"spin", "sha256-go", "echo-go"} {
		wasm := guests[name]
		inst, err := Instrument(wasm)
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"instrumented", "no-checks", "checks"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				ctx := context.Background()
				rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(mode == "checks"))
				defer rt.Close(ctx)
				wasi_snapshot_preview1.MustInstantiate(ctx, rt)
				code := wasm
				if mode == "instrumented" {
					if err := instantiateRefuel(ctx, rt); err != nil {
						b.Fatal(err)
					}
					code = inst
				}
				compiled, err := rt.CompileModule(ctx, code)
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					var budget *Budget
					if mode == "instrumented" {
						budget = &Budget{}
					}
					o := runStart(b, rt, compiled, "_start", []byte(guestRequest), budget, time.Minute)
					if o.err != "" || o.exit > 0 {
						b.Fatalf("%+v", o)
					}
				}
			})
		}
	}
}

// BenchmarkOverhead runs a guest (spin.wat, sha256-go, the json-api-as
// example) instrumented and as it is without checks,
// alternately, so that both see the same machine load, and reports the
// ratio of their total times (the target is <= 1.5).
//
//	go test -run '^$' -bench BenchmarkOverhead -benchtime 20x ./sandbox/meter/
func BenchmarkOverhead(b *testing.B) {
	for _, name := range []string{"spin", "sha256-go", "json-api-as"} {
		b.Run(name, func(b *testing.B) {
			var wasm []byte
			switch name {
			case "spin":
				wasm = testguest.Read(b, testguest.WAT(b, "spin"))
			case "sha256-go":
				wasm = testguest.Read(b, testguest.Go(b, "testdata/meter/"+name))
			default:
				var err error
				if wasm, err = os.ReadFile(filepath.Join(testguest.Root(), "examples", name, "build", "handler.wasm")); err != nil {
					b.Skipf("run make examples: %v", err)
				}
			}
			ctx := context.Background()
			plain, metered := newHost(b, true), newHost(b, true) // neither has termination checks
			pc, err := plain.CompileModule(ctx, wasm)
			if err != nil {
				b.Fatal(err)
			}
			mc, err := metered.CompileModule(ctx, mustInstrument(b, wasm))
			if err != nil {
				b.Fatal(err)
			}
			var tp, tm time.Duration
			for b.Loop() {
				start := time.Now()
				runStart(b, plain, pc, "_start", []byte(guestRequest), nil, time.Minute)
				mid := time.Now()
				runStart(b, metered, mc, "_start", []byte(guestRequest), &Budget{}, time.Minute)
				tp, tm = tp+mid.Sub(start), tm+time.Since(mid)
			}
			b.ReportMetric(float64(tm)/float64(tp), "x-no-checks")
			b.ReportMetric(float64(tp.Microseconds())/1000/float64(b.N), "ms-plain/op")
			b.ReportMetric(float64(tm.Microseconds())/1000/float64(b.N), "ms-metered/op")
		})
	}
}

// BenchmarkCompile is the load-time cost of metering a standard Go guest:
// compiling it as it is, and instrumenting then compiling it, alternately
// (so that both see the same machine load); it reports the ratio (the
// target is <= 1.25).
//
//	go test -run '^$' -bench BenchmarkCompile -benchtime 5x ./sandbox/meter/
func BenchmarkCompile(b *testing.B) {
	wasm := testguest.Read(b, testguest.Go(b, "echo-go"))
	ctx := context.Background()
	compile := func(code []byte) {
		rt := wazero.NewRuntime(ctx)
		defer rt.Close(ctx)
		if _, err := rt.CompileModule(ctx, code); err != nil {
			b.Fatal(err)
		}
	}
	var plain, metered time.Duration
	for b.Loop() {
		start := time.Now()
		compile(wasm)
		mid := time.Now()
		compile(mustInstrument(b, wasm))
		plain, metered = plain+mid.Sub(start), metered+time.Since(mid)
	}
	b.ReportMetric(float64(metered)/float64(plain), "x-compile")
	b.ReportMetric(float64(plain.Milliseconds())/float64(b.N), "ms-compile/op")
	b.ReportMetric(float64(metered.Milliseconds())/float64(b.N), "ms-instrument+compile/op")
}

// BenchmarkInstrument is the rewrite alone, on a standard Go guest.
func BenchmarkInstrument(b *testing.B) {
	wasm := testguest.Read(b, testguest.Go(b, "echo-go"))
	b.SetBytes(int64(len(wasm)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Instrument(wasm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStopDelay is how late an endless loop (testdata/guests/loop.wat),
// instrumented, stops after its deadline: the refuel import checks the
// deadline once per slice of DefaultSlice units.
//
//	go test -run '^$' -bench BenchmarkStopDelay -benchtime 20x ./sandbox/meter/
func BenchmarkStopDelay(b *testing.B) {
	rt := newHost(b, true)
	compiled, err := rt.CompileModule(context.Background(), mustInstrument(b, testguest.Read(b, testguest.WAT(b, "loop"))))
	if err != nil {
		b.Fatal(err)
	}
	var late time.Duration
	for b.Loop() {
		const bound = 20 * time.Millisecond
		start := time.Now()
		if o := runStart(b, rt, compiled, "_start", []byte(guestRequest), &Budget{}, bound); o.err == "" {
			b.Fatalf("the endless loop ended: %+v", o)
		}
		late += time.Since(start) - bound
	}
	b.ReportMetric(float64(late.Microseconds())/1000/float64(b.N), "ms-late/op")
}

func mustInstrument(tb testing.TB, wasm []byte) []byte {
	tb.Helper()
	inst, err := Instrument(wasm)
	if err != nil {
		tb.Fatal(err)
	}
	return inst
}
