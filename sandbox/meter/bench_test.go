package meter

import (
	"context"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// BenchmarkRun runs guests three ways: instrumented (refuel hands out
// slices, no termination checks), as they are without checks (the floor),
// and as they are with wazero's termination checks (WithCloseOnContextDone,
// what the sandbox used before metering).
//
//	go test -run '^$' -bench BenchmarkRun -benchtime 20x ./sandbox/meter/
func BenchmarkRun(b *testing.B) {
	guests := map[string][]byte{
		"spin":    testguest.Read(b, testguest.WAT(b, "spin")),
		"echo-go": testguest.Read(b, testguest.Go(b, "echo-go")),
	}
	for _, name := range []string{"spin", "echo-go"} {
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

// BenchmarkCompile is the load-time cost of metering a standard Go guest:
// compiling it as it is, and instrumenting then compiling it.
//
//	go test -run '^$' -bench BenchmarkCompile -benchtime 5x ./sandbox/meter/
func BenchmarkCompile(b *testing.B) {
	wasm := testguest.Read(b, testguest.Go(b, "echo-go"))
	for _, instrument := range []bool{false, true} {
		name := "compile"
		if instrument {
			name = "instrument+compile"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				code := wasm
				if instrument {
					var err error
					if code, err = Instrument(wasm); err != nil {
						b.Fatal(err)
					}
				}
				rt := wazero.NewRuntime(ctx)
				if _, err := rt.CompileModule(ctx, code); err != nil {
					b.Fatal(err)
				}
				_ = rt.Close(ctx)
			}
		})
	}
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
