package meter

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// This file is the reference host for an instrumented module, as the
// sandbox is meant to wire it: a refuel host function that reads the run's
// Budget from the call's context, stops the run when that context is done
// and otherwise hands out the next slice; the fuel used read from the
// exported counter after the run.

type budgetKey struct{}

// newHost returns a runtime with WASI and, when metered, the refuel import.
// The unmetered runtime stops guests with wazero's termination checks.
func newHost(tb testing.TB, metered bool) wazero.Runtime {
	tb.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCloseOnContextDone(!metered).WithMemoryLimitPages(512))
	tb.Cleanup(func() { _ = rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	if metered {
		if err := instantiateRefuel(ctx, rt); err != nil {
			tb.Fatal(err)
		}
	}
	return rt
}

func instantiateRefuel(ctx context.Context, rt wazero.Runtime) error {
	_, err := rt.NewHostModuleBuilder(ImportModule).NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(refuel),
			[]api.ValueType{api.ValueTypeI64}, []api.ValueType{api.ValueTypeI64}).
		Export(RefuelImport).Instantiate(ctx)
	return err
}

func refuel(ctx context.Context, _ api.Module, stack []uint64) {
	if err := ctx.Err(); err != nil {
		panic(err)
	}
	b := ctx.Value(budgetKey{}).(*Budget)
	next, err := b.Refuel(int64(stack[0]))
	if err != nil {
		panic(err)
	}
	stack[0] = uint64(next)
}

// outcome is what a run did, in terms comparable between an instrumented
// and an uninstrumented run of the same module.
type outcome struct {
	stdout, stderr string
	exit           int    // proc_exit code, -1 without
	err            string // first line of the error (trap), "" without
	fuel           int64  // fuel used (metered runs)
}

// cappedBuffer keeps the first 1 MiB written, then fails writes, so that a
// guest writing forever cannot exhaust the test's memory.
type cappedBuffer struct{ bytes.Buffer }

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.Len()+len(p) > 1<<20 {
		return 0, io.ErrShortWrite
	}
	return c.Buffer.Write(p)
}

// runStart instantiates compiled and calls fn (its WASI _start, or another
// no-parameter export), under a wall-clock bound and budget b (nil when
// unmetered).
func runStart(tb testing.TB, rt wazero.Runtime, compiled wazero.CompiledModule, fn string, stdin []byte, b *Budget, bound time.Duration) outcome {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	if b != nil {
		ctx = context.WithValue(ctx, budgetKey{}, b)
	}
	var stdout, stderr cappedBuffer
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithStdin(bytes.NewReader(stdin)).WithStdout(&stdout).WithStderr(&stderr).WithArgs("guest")
	o := outcome{exit: -1}
	mod, err := rt.InstantiateModule(ctx, compiled, cfg)
	if err == nil {
		defer mod.Close(ctx)
		if f := mod.ExportedFunction(fn); f == nil {
			err = errors.New("no export " + fn)
		} else {
			_, err = f.Call(ctx)
		}
		if b != nil {
			o.fuel = b.Consumed(int64(mod.ExportedGlobal(FuelExport).Get()))
		}
	}
	var exit *sys.ExitError
	switch {
	case errors.As(err, &exit) && ctx.Err() == nil:
		o.exit = int(exit.ExitCode())
	case ctx.Err() != nil:
		o.err = "stopped at the wall-clock bound"
	case err != nil:
		o.err, _, _ = strings.Cut(err.Error(), "\n")
	}
	o.stdout, o.stderr = stdout.String(), stderr.String()
	return o
}
