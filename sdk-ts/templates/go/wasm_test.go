package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// response is the handler's answer on stdout (docs/contract.md).
type response struct {
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

// buildModule compiles this package for WASI, as `make build` does.
func buildModule(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "handler.wasm")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

// run runs the module once on a request, as Gojinn does: a fresh instance,
// the request JSON on stdin, the response JSON from stdout. (The handler
// makes no host call: a handler that uses gojinn.KV or Transport needs the
// host's functions, which Caddy or the TypeScript harness provide.)
func run(t *testing.T, wasm []byte, request string) (response, string) {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	var stdout, stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().WithName("").WithArgs("handler.wasm").
		WithStdin(bytes.NewBufferString(request)).WithStdout(&stdout).WithStderr(&stderr).
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader)
	_, err := rt.InstantiateWithConfig(ctx, wasm, cfg)
	var exit *sys.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 0) {
		t.Fatalf("run: %v\nstderr: %s", err, stderr.String())
	}
	var res response
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("stdout is not a response: %v: %q\nstderr: %s", err, stdout.String(), stderr.String())
	}
	return res, stderr.String()
}

// The compiled module, run as Gojinn runs it.
func TestModule(t *testing.T) {
	wasm := buildModule(t)
	res, _ := run(t, wasm, `{"method":"GET","uri":"/?name=Ana","headers":{},"body":""}`)
	if res.Status != 200 || res.Body != "Hello, Ana!\n" {
		t.Errorf("got %d %q, want 200 %q", res.Status, res.Body, "Hello, Ana!\n")
	}
	if ct := res.Headers["Content-Type"]; len(ct) != 1 || ct[0] != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}
