package meter

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// TestCorpusBehavesTheSame runs the generated modules of testdata/meter
// (testdata/meter/README.md) instrumented and as they are: every exported
// function, called with zero arguments in export order on one instance,
// must return the same results or trap the same way, and leave the same
// exported globals.
func TestCorpusBehavesTheSame(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "meter", "smith-*.wasm"))
	if len(files) < 100 {
		t.Fatalf("corpus has %d modules, want >= 100", len(files))
	}
	plain, metered := newHost(t, false), newHost(t, true)
	compared := 0
	for _, f := range files {
		wasm, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, ok := corpusRun(t, plain, wasm, nil)
		if !ok {
			continue // an engine limit or the wall-clock bound: nothing to compare
		}
		inst, err := Instrument(wasm)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		compared++
		got, _ := corpusRun(t, metered, inst, &Budget{})
		if got != want {
			t.Errorf("%s:\ninstrumented: %s\nas it is:     %s", filepath.Base(f), got, want)
		}
	}
	// The corpus is generated for what wazero runs: nearly all compare.
	if compared < len(files)*9/10 {
		t.Errorf("only %d of %d modules compared", compared, len(files))
	}
}

// corpusRun instantiates wasm and calls its exported functions; it returns
// a transcript and false when the run says nothing comparable (the module
// does not compile in wazero, or hit the wall-clock bound).
func corpusRun(t *testing.T, rt wazero.Runtime, wasm []byte, b *Budget) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if b != nil {
		ctx = context.WithValue(ctx, budgetKey{}, b)
	}
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return "compile: " + err.Error(), false
	}
	defer compiled.Close(ctx)
	var out strings.Builder
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		fmt.Fprintf(&out, "instantiate: %s", firstLine(err))
		return out.String(), ctx.Err() == nil
	}
	defer mod.Close(ctx)
	exports := exportsOf(t, wasm)
	for _, e := range exports {
		if e.kind != 0x00 {
			continue
		}
		f := mod.ExportedFunction(e.name)
		res, err := f.Call(ctx, make([]uint64, len(f.Definition().ParamTypes()))...)
		if ctx.Err() != nil {
			return "", false
		}
		fmt.Fprintf(&out, "%s: %v %s; ", e.name, res, firstLine(err))
	}
	for _, e := range exports {
		switch e.kind {
		case 0x02:
			m := mod.ExportedMemory(e.name)
			b, _ := m.Read(0, m.Size())
			fmt.Fprintf(&out, "memory %s: %x; ", e.name, sha256.Sum256(b))
		case 0x03:
			// References (funcref 0x70, externref) are host pointers, different
			// in every instance.
			g := mod.ExportedGlobal(e.name)
			if e.name != FuelExport && g.Type() != 0x70 && g.Type() != api.ValueTypeExternref {
				fmt.Fprintf(&out, "global %s=%d; ", e.name, g.Get())
			}
		}
	}
	return out.String(), true
}

type export struct {
	name string
	kind byte
}

// exportsOf lists a module's exports in their order.
func exportsOf(t *testing.T, wasm []byte) []export {
	t.Helper()
	secs, err := splitSections(wasm)
	if err != nil {
		t.Fatal(err)
	}
	var exports []export
	for _, s := range secs {
		if s.id != secExport {
			continue
		}
		r := reader{b: s.body}
		n, _ := r.vec()
		for ; n > 0; n-- {
			name, _ := r.name()
			kind, _ := r.byte()
			_, _ = r.u32()
			exports = append(exports, export{string(name), kind})
		}
	}
	return exports
}

func firstLine(err error) string {
	if err == nil {
		return ""
	}
	var ee interface{ ExitCode() uint32 }
	if errors.As(err, &ee) {
		return fmt.Sprintf("exit %d", ee.ExitCode())
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	// The cause only: messages about a start function name it by index,
	// which the rewrite shifts, and by one of its export names.
	if i := strings.Index(s, "wasm error:"); i >= 0 {
		s = s[i:]
	}
	return s
}
