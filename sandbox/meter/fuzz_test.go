package meter

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
)

// FuzzInstrument: any input is refused with an error or instrumented,
// never a panic; and when the input is a valid module, so is the output.
//
//	go test -run '^$' -fuzz FuzzInstrument -fuzztime 60s ./sandbox/meter/
func FuzzInstrument(f *testing.F) {
	f.Add(wat2wasm(f, fuelWAT))
	f.Add(wat2wasm(f, renumberWAT, "--debug-names"))
	f.Add(wat2wasm(f, instrModule(instrClasses[len(instrClasses)-1].body), "--no-check"))
	corpus, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "meter", "smith-*.wasm"))
	for _, p := range corpus[:min(len(corpus), 50)] {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	ctx := context.Background()
	// The interpreter validates like the compiler, and compiles faster.
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, err := Instrument(wasm)
		if err != nil {
			return
		}
		in, err := rt.CompileModule(ctx, wasm)
		if err != nil {
			return
		}
		_ = in.Close(ctx)
		compiled, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("valid input, invalid output: %v", err)
		}
		_ = compiled.Close(ctx)
	})
}
