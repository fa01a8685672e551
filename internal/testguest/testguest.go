// Package testguest builds the test guests in testdata/guests from source,
// at test time, into testdata/build (ignored by git): WAT with wabt's
// wat2wasm, Go with GOOS=wasip1 GOARCH=wasm. Tests of every package share it.
package testguest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Root is the repository's root directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

var (
	mu    sync.Mutex
	built = map[string]string{}
)

// WAT compiles testdata/guests/<name>.wat and returns the .wasm path.
func WAT(tb testing.TB, name string) string {
	tb.Helper()
	src := filepath.Join(Root(), "testdata", "guests", name+".wat")
	return build(tb, "wat:"+name, src, func(out string) *exec.Cmd {
		return exec.Command("wat2wasm", src, "-o", out)
	}, name)
}

// Go compiles the Go program in testdata/guests/<name> (or, when name has a
// slash, in that directory relative to the repository root) for wasip1.
func Go(tb testing.TB, name string) string {
	tb.Helper()
	dir := filepath.Join(Root(), "testdata", "guests", name)
	if filepath.Base(name) != name {
		dir = filepath.Join(Root(), name)
	}
	return build(tb, "go:"+name, dir, func(out string) *exec.Cmd {
		cmd := exec.Command("go", "build", "-o", out, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		return cmd
	}, filepath.Base(name))
}

// Read returns the bytes of a built guest.
func Read(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func build(tb testing.TB, key, src string, cmd func(out string) *exec.Cmd, name string) string {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if out, ok := built[key]; ok {
		return out
	}
	dir := filepath.Join(Root(), "testdata", "build")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, name+".wasm")
	c := cmd(out)
	if b, err := c.CombinedOutput(); err != nil {
		tb.Fatalf("building test guest %s from %s: %v\n%s", name, src, err, b)
	}
	built[key] = out
	return out
}
