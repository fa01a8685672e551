package sandbox

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gojinn/gojinn/sandbox/meter"
)

// Module is a compiled handler: a wazero runtime with WASI, and the compiled
// module ready to be instantiated any number of times, concurrently.
type Module struct {
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	opts     Options
	metered  bool            // instrumented: runs count fuel and are stopped by refuel
	imports  map[string]bool // the modules the wasm imports from
	// life counts runs (from Acquire to their slot's release) and pooled
	// instances: the last one after Close releases the module.
	life lifetime
}

// Compile validates, instruments for metering (sandbox/meter) and compiles
// wasm. name (the file) is only used in errors. hosts are the import
// modules the host provides beside WASI; each is instantiated only if wasm
// imports from it. Compile fails for invalid wasm, a module without a
// _start export, an initial memory over MemoryLimitPages, any import but
// a function of wasi_snapshot_preview1 or of one of hosts with that
// function's signature, or a module that uses the meter's reserved names.
func Compile(ctx context.Context, name string, wasm []byte, opts Options, hosts ...HostModule) (*Module, error) {
	if opts.MemoryLimitPages == 0 {
		opts.MemoryLimitPages = PagesFor(0)
	}
	metered := opts.stopping == stopByMetering
	rc := wazero.NewRuntimeConfig().
		WithMemoryLimitPages(opts.MemoryLimitPages).
		// Metered modules are stopped by their refuel calls, at no cost
		// on wazero's side: see docs/architecture.md.
		WithCloseOnContextDone(opts.stopping == stopByChecks)
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
	if err := checkDeclarations(wasm, opts.MemoryLimitPages); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	imports, err := instantiateHosts(ctx, rt, wasm, hosts)
	if err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	code, err := prepareCode(ctx, rt, wasm, metered)
	if err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	compiled, err := rt.CompileModule(ctx, code)
	if err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("%s: not a valid WebAssembly module: %w", name, err)
	}
	m := &Module{runtime: rt, compiled: compiled, opts: opts, metered: metered, imports: imports}
	if err := checkExports(compiled); err != nil {
		_ = m.release(ctx)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkImports(rt, compiled, metered, hosts); err != nil {
		_ = m.release(ctx)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// prepareCode returns the code to compile: wasm with its data segments
// merged and, when metered, instrumented, and the refuel import added to
// rt. The merge comes first, on the module the toolchain wrote, which is
// what its equivalence checks were written and fuzzed for; the meter then
// rewrites the code that is compiled, as its differential tests do for
// any valid module (it copies the data section as it is).
func prepareCode(ctx context.Context, rt wazero.Runtime, wasm []byte, metered bool) ([]byte, error) {
	code := mergeDataSegments(wasm)
	if !metered {
		return code, nil
	}
	instrumented, err := meter.Instrument(code)
	if err != nil {
		// Invalid wasm gets wazero's own explanation.
		if _, cerr := rt.CompileModule(ctx, wasm); cerr != nil {
			return nil, fmt.Errorf("not a valid WebAssembly module: %w", cerr)
		}
		return nil, fmt.Errorf("the module cannot be metered: %w", err)
	}
	if err := instantiateRefuel(ctx, rt); err != nil {
		return nil, fmt.Errorf("instantiating the meter: %w", err)
	}
	return instrumented, nil
}

// errModuleClosed is why a run cannot start on a closed module.
var errModuleClosed = errors.New("the module was closed (its config was unloaded)")

// use registers a user of the module, who must call leave when done; it
// fails once the module is released.
func (m *Module) use() error {
	if !m.life.use() {
		return errModuleClosed
	}
	return nil
}

// leave ends a use; the last one after Close releases the module.
func (m *Module) leave() {
	if m.life.leave() {
		_ = m.release(context.Background())
	}
}

// Close releases the runtime, the compiled code and everything instantiated
// from them, once nothing uses them: at once when no run is in flight,
// otherwise when the last run (or pooled instance) has ended. Runs in flight
// finish normally; closing the runtime under them would free the linear
// memory they are still writing. Runs that call Acquire after the release
// fail with OutcomeOverload.
func (m *Module) Close(ctx context.Context) error {
	if m.life.close() {
		return m.release(ctx)
	}
	return nil
}

// release closes the runtime (its instances and WASI), then the compiled
// code: with a shared compilation cache, wazero's engine keeps a module's
// machine code until its CompiledModule is closed, whatever the runtime.
func (m *Module) release(ctx context.Context) error {
	err := m.runtime.Close(ctx)
	if cerr := m.compiled.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// Options returns the options the module was compiled with.
func (m *Module) Options() Options { return m.opts }

func checkExports(c wazero.CompiledModule) error {
	if _, ok := c.ExportedFunctions()["_start"]; !ok {
		return fmt.Errorf("the module exports no _start function (build it as a WASI command)")
	}
	return nil
}

// moduleConfig is everything of a run's config but its stdio and its
// sleep, which must watch the run (sleepUntilDone).
func moduleConfig(env map[string]string, args []string) wazero.ModuleConfig {
	mc := wazero.NewModuleConfig().
		WithName("").         // anonymous: instances are created concurrently
		WithStartFunctions(). // _start is called by the run, under its context
		WithSysWalltime().
		WithSysNanotime().
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
