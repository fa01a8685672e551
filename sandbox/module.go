package sandbox

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Module is a compiled handler: a wazero runtime with WASI, and the compiled
// module ready to be instantiated any number of times, concurrently.
type Module struct {
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	opts     Options
}

// Compile validates and compiles wasm. name (the file) is only used in
// errors. It fails for invalid wasm, a module without a _start export, or
// imports other than wasi_snapshot_preview1 functions.
func Compile(ctx context.Context, name string, wasm []byte, opts Options) (*Module, error) {
	if opts.MemoryLimitPages == 0 {
		opts.MemoryLimitPages = PagesFor(0)
	}
	rc := wazero.NewRuntimeConfig().
		WithMemoryLimitPages(opts.MemoryLimitPages).
		// The only way released wazero can stop a running guest (timeouts,
		// output cap, client gone): see docs/architecture.md for its cost.
		WithCloseOnContextDone(!opts.withoutStopChecks)
	if opts.CacheDir != "" {
		cache, err := compilationCache(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("%s: compilation cache: %w", name, err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("%s: instantiating WASI: %w", name, err)
	}
	compiled, err := rt.CompileModule(ctx, mergeDataSegments(wasm))
	if err != nil {
		_ = rt.Close(ctx)
		if strings.Contains(err.Error(), "over limit") {
			return nil, fmt.Errorf("%s: the module needs more memory than memory_limit allows (%d pages of 64KiB): %w", name, opts.MemoryLimitPages, err)
		}
		return nil, fmt.Errorf("%s: not a valid WebAssembly module: %w", name, err)
	}
	if err := checkExports(compiled); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkImports(compiled); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Module{runtime: rt, compiled: compiled, opts: opts}, nil
}

// Close releases the runtime and everything instantiated from it.
func (m *Module) Close(ctx context.Context) error {
	return m.runtime.Close(ctx)
}

// Options returns the options the module was compiled with.
func (m *Module) Options() Options { return m.opts }

func checkExports(c wazero.CompiledModule) error {
	if _, ok := c.ExportedFunctions()["_start"]; !ok {
		return fmt.Errorf("the module exports no _start function (build it as a WASI command)")
	}
	return nil
}

func checkImports(c wazero.CompiledModule) error {
	for _, f := range c.ImportedFunctions() {
		mod, fn, _ := f.Import()
		if mod != wasi_snapshot_preview1.ModuleName {
			return fmt.Errorf("the module imports %s.%s: only %s functions are available", mod, fn, wasi_snapshot_preview1.ModuleName)
		}
	}
	for _, m := range c.ImportedMemories() {
		mod, name, _ := m.Import()
		return fmt.Errorf("the module imports memory %s.%s: it must declare its own", mod, name)
	}
	return nil
}

// moduleConfig is everything of a run's config but its stdio.
func moduleConfig(env map[string]string, args []string) wazero.ModuleConfig {
	mc := wazero.NewModuleConfig().
		WithName("").         // anonymous: instances are created concurrently
		WithStartFunctions(). // _start is called by the run, under its context
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	if len(args) > 0 {
		mc = mc.WithArgs(args...)
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mc = mc.WithEnv(k, env[k])
	}
	return mc
}

// instantiate creates a fresh, anonymous instance without running _start.
func (m *Module) instantiate(ctx context.Context, mc wazero.ModuleConfig) (api.Module, api.Function, error) {
	mod, err := m.runtime.InstantiateModule(experimental.WithMemoryAllocator(ctx, linearMemory), m.compiled, mc)
	if err != nil {
		return nil, nil, err
	}
	return mod, mod.ExportedFunction("_start"), nil
}

var (
	cachesMu sync.Mutex
	caches   = map[string]wazero.CompilationCache{}
)

// compilationCache returns the process's one on-disk cache for dir: one
// cache serves every runtime, and lives as long as the process.
func compilationCache(dir string) (wazero.CompilationCache, error) {
	cachesMu.Lock()
	defer cachesMu.Unlock()
	if c, ok := caches[dir]; ok {
		return c, nil
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, err
	}
	caches[dir] = c
	return c, nil
}
