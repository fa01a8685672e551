package sandbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
