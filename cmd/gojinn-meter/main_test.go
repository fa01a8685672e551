package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox/meter"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// TestWASIBuildInstrumentsLikeThePackage builds the command for wasip1, as
// the SDK ships it, runs it under wazero, and requires the very bytes
// meter.Instrument produces; a module it refuses exits 1 with the reason.
func TestWASIBuildInstrumentsLikeThePackage(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gojinn-meter.wasm")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	compiled, err := rt.CompileModule(ctx, testguest.Read(t, bin))
	if err != nil {
		t.Fatal(err)
	}
	run := func(in []byte) (stdout, stderr []byte, exit uint32) {
		var o, e bytes.Buffer
		_, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").
			WithStdin(bytes.NewReader(in)).WithStdout(&o).WithStderr(&e))
		if se, ok := err.(*sys.ExitError); ok {
			exit = se.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return o.Bytes(), e.Bytes(), exit
	}

	guest := testguest.Read(t, testguest.WAT(t, "spin"))
	want, err := meter.Instrument(guest)
	if err != nil {
		t.Fatal(err)
	}
	if got, stderr, exit := run(guest); exit != 0 || !bytes.Equal(got, want) {
		t.Errorf("exit %d, %d bytes (stderr %s); want exit 0 and meter.Instrument's %d bytes", exit, len(got), stderr, len(want))
	}
	if _, stderr, exit := run(want); exit != 1 || !strings.Contains(string(stderr), "reserves") {
		t.Errorf("an instrumented module again: exit %d, stderr %q; want exit 1 and the reason", exit, stderr)
	}
}
