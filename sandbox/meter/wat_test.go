package meter

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// wat2wasm compiles WebAssembly text with wabt's wat2wasm; extra flags go
// before the input (e.g. --no-check).
func wat2wasm(tb testing.TB, wat string, flags ...string) []byte {
	tb.Helper()
	dir := tb.TempDir()
	src, out := filepath.Join(dir, "m.wat"), filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(src, []byte(wat), 0o644); err != nil {
		tb.Fatal(err)
	}
	args := append(append([]string{}, flags...), src, "-o", out)
	if b, err := exec.Command("wat2wasm", args...).CombinedOutput(); err != nil {
		tb.Fatalf("wat2wasm: %v\n%s\n%s", err, b, wat)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// firstBody returns the instructions (locals skipped) of a module's first
// function body.
func firstBody(tb testing.TB, wasm []byte) []byte {
	tb.Helper()
	secs, err := splitSections(wasm)
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range secs {
		if s.id != secCode {
			continue
		}
		r := reader{b: s.body}
		if _, err := r.vec(); err != nil {
			tb.Fatal(err)
		}
		size, _ := r.u32()
		body, _ := r.bytes(size)
		br := reader{b: body}
		n, _ := br.vec()
		for ; n > 0; n-- {
			_, _ = br.u32()
			_, _ = br.byte()
		}
		return body[br.off:]
	}
	tb.Fatal("no code section")
	return nil
}
