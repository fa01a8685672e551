package sandbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"github.com/tetratelabs/wazero"
)

// engineModules is how many compiled modules the engine behind cache holds:
// wazero keeps no count in its API, so it is read from the engine itself.
func engineModules(t *testing.T, cache wazero.CompilationCache) int {
	t.Helper()
	v := reflect.ValueOf(cache)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct || !v.Elem().FieldByName("engs").IsValid() {
		t.Fatalf("wazero's compilation cache %T has no engines field: update this test", cache)
	}
	engs := v.Elem().FieldByName("engs")
	engs = reflect.NewAt(engs.Type(), unsafe.Pointer(engs.UnsafeAddr())).Elem()
	n := 0
	for i := range engs.Len() {
		if e := engs.Index(i); !e.IsNil() {
			n += int(e.Interface().(interface{ CompiledModuleCount() uint32 }).CompiledModuleCount())
		}
	}
	return n
}

// Closing a module releases its compiled code from the engine shared
// through the compilation cache: deploying changed modules again and
// again does not accumulate machine code.
func TestCloseReleasesCompiledCode(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ok.wasm")
	if o, err := exec.Command("wat2wasm", filepath.Join("..", "testdata", "guests", "ok.wat"), "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v %s", err, o)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cache, err := compilationCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	const cycles = 50
	for i := range cycles {
		// A custom section makes each module distinct, as a new build is.
		name := fmt.Sprintf("build-%d", i)
		distinct := append(append([]byte{}, wasm...), 0, byte(1+len(name)+1), byte(len(name)))
		distinct = append(append(distinct, name...), 0)
		m, err := Compile(context.Background(), name, distinct, Options{CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		r := NewRunner(m, RunnerConfig{PoolSize: 1})
		if res := r.Run(context.Background(), &Request{Method: "GET", URI: "/"}, nil); res.Err != nil {
			t.Fatal(res.Err)
		}
		if i == 0 && engineModules(t, cache) == 0 {
			t.Fatal("the engine shows no compiled module while one is in use")
		}
		r.Close()
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := engineModules(t, cache); n != 0 {
		t.Fatalf("after %d compile/close cycles the engine holds %d compiled modules, want 0", cycles, n)
	}
}
