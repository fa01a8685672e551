// Package gojinn is the Caddy module `http.handlers.gojinn`: it runs a
// WebAssembly (WASI) program for every request, in a fresh sandbox created
// for that request and thrown away after it. The engine is package sandbox;
// this package adapts it to Caddy (configuration, HTTP, logs, metrics).
//
// Build Caddy with it: xcaddy build --with github.com/gojinn/gojinn
package gojinn

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/guestlog"
	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/metrics"
	"github.com/gojinn/gojinn/sandbox"
)

func init() {
	caddy.RegisterModule(Gojinn{})
}

// Defaults of the fields that are not the engine's.
const (
	DefaultMaxBodySize = 10 * 1000 * 1000 // 10MB
)

// Gojinn runs a WebAssembly (WASI preview 1) handler for every request:
// the request goes to the guest's stdin as one JSON object, the guest's
// stdout is one JSON response object (docs/contract.md). Every request gets
// a fresh instance; nothing survives from one request to the next.
//
// A limit of 0, or omitted, means its default; a negative one fails the
// load. (The Caddyfile refuses 0 where it is not a real value: there,
// omitting the subdirective is how to ask for the default.)
type Gojinn struct {
	// Path is the WebAssembly module to run: a WASI command exporting
	// `_start`. Placeholders such as {env.X} are resolved at load.
	Path string `json:"path"`

	// Name labels this handler in metrics, logs and spans. Default: Path.
	Name string `json:"name,omitempty"`

	// Timeout is how long one run may take once it has its request (a
	// fresh instance's from its instantiation); past it the guest is
	// stopped and the client gets 504. It also bounds a pooled instance's
	// start-up ahead of its request. Default: 60s.
	Timeout caddy.Duration `json:"timeout,omitempty"`

	// MemoryLimit caps the guest's linear memory, in bytes, rounded down to
	// whole 64 KiB pages; past it, memory.grow fails in the guest.
	// Default: 128MB (128,000,000 bytes), enough for standard Go guests.
	MemoryLimit int64 `json:"memory_limit,omitempty"`

	// PoolSize is how many fresh instances are created, and started up to
	// their first read of stdin, ahead of requests. Each serves exactly one
	// request. It hides a guest's start-up (the Go runtime's, say) from
	// latency. Default: 0, every request instantiates.
	PoolSize int `json:"pool_size,omitempty"`

	// MaxConcurrency caps the sandboxes of this handler running at once;
	// further requests wait up to QueueTimeout, then get 503 with
	// Retry-After. Default: 4 × GOMAXPROCS.
	MaxConcurrency int `json:"max_concurrency,omitempty"`

	// MaxQueue caps the requests waiting for a sandbox when MaxConcurrency
	// are busy; a request beyond it gets 503 with Retry-After at once.
	// Waiting requests hold no body memory: a body is read only once its
	// request has a sandbox. Default: 1024, so that 1,000 concurrent
	// requests to one handler all get answers.
	MaxQueue int `json:"max_queue,omitempty"`

	// QueueTimeout is how long a request waits for a sandbox when
	// MaxConcurrency are busy. Default: 30s.
	QueueTimeout caddy.Duration `json:"queue_timeout,omitempty"`

	// MaxBodySize caps the request body, in bytes; a larger body gets 413
	// before any guest runs. Default: 10MB.
	MaxBodySize int64 `json:"max_body_size,omitempty"`

	// MaxOutputSize caps the guest's stdout, in bytes; past it the guest is
	// stopped at once and the client gets 502. Default: 5MB.
	MaxOutputSize int64 `json:"max_output_size,omitempty"`

	// FuelLimit caps the fuel one run may use: one unit per WebAssembly
	// instruction the guest executes (docs/caddyfile.md says which count
	// and how), from its instantiation to its end. Past it the guest is
	// stopped and the client gets 502 (outcome fuel_exhausted). The same
	// request to the same module always uses the same fuel, whatever the
	// machine's load. Default: 0, no limit (only Timeout).
	FuelLimit int64 `json:"fuel_limit,omitempty"`

	// Env is the guest's whole environment (nothing of the host's is
	// passed). Placeholders in values are resolved at load.
	Env map[string]string `json:"env,omitempty"`

	// Args are the guest's arguments after argv[0] (the module's file
	// name). Placeholders are resolved at load.
	Args []string `json:"args,omitempty"`

	// CacheDir keeps compiled machine code on disk so a restart does not
	// recompile. Default: "gojinn/wasm-cache" under Caddy's data directory;
	// "off" disables it. Placeholders are resolved at load, before the
	// comparison with "off"; a value that resolves to "" means the default.
	CacheDir string `json:"cache_dir,omitempty"`

	// DebugSecret, when set, lets a request carrying the header
	// `X-Gojinn-Debug: <secret>` get the guest's stderr back in the
	// `X-Gojinn-Logs` response header. Placeholders are resolved at load.
	DebugSecret string `json:"debug_secret,omitempty"`

	// KV grants the guest key-value stores, by name (docs/kv.md): a store
	// is shared by every handler granted the same name. Nothing is granted
	// by default. The first grant in a config starts the gojinn app's NATS
	// server.
	KV []KVGrant `json:"kv,omitempty"`

	// Fetch is the outbound HTTP allow-list: origins the guest may call
	// (docs/fetch.md), each a scheme, a host (or `*.` and a domain) and an
	// optional port, e.g. "https://api.example.com". Default: none.
	Fetch []string `json:"fetch,omitempty"`

	// FetchTimeout bounds each outbound call; the run's own deadline
	// bounds it too. Default: 10s.
	FetchTimeout caddy.Duration `json:"fetch_timeout,omitempty"`

	// FetchMaxBody caps an outbound response's body, in bytes; a larger
	// one is the `too_large` status. Default: 10MB.
	FetchMaxBody int64 `json:"fetch_max_body,omitempty"`

	// FetchMaxCalls caps the outbound calls of one run; past it, calls get
	// the `limit` status. Default: 50.
	FetchMaxCalls int `json:"fetch_max_calls,omitempty"`

	// Enqueue grants the guest the gojinn app's queues, by name: the
	// guest may add jobs to them with the `enqueue` host function
	// (docs/host-abi.md). Each must be a queue of the gojinn app, or the
	// config fails to load. Default: none.
	Enqueue []string `json:"enqueue,omitempty"`

	// SignaturePolicy: trusted_keys and signatures (docs/signing.md).
	SignaturePolicy

	// RecordCrashes writes a record of every failed run for `gojinn
	// replay` (docs/crashes.md). Default: the gojinn app's record_crashes.
	RecordCrashes *CrashRecording `json:"record_crashes,omitempty"`

	// Mounts are host directories the guest sees (docs/mounts.md),
	// read-only unless marked writable. Default: none.
	Mounts []Mount `json:"mounts,omitempty"`

	// Tool exposes the handler as an MCP tool (docs/mcp.md).
	Tool *MCPTool `json:"tool,omitempty"`

	// AI grants the guest the gojinn app's ai block: chat completions
	// through the ai_chat host function (docs/ai.md). Default: false.
	AI bool `json:"ai,omitempty"`

	// Objects grants the guest object stores of the gojinn app, by name,
	// each read-write or read-only, optionally under a key prefix: the
	// object_* host functions (docs/objects.md).
	Objects []ObjectsGrant `json:"objects,omitempty"`

	// SQL grants the guest databases of the gojinn app, by name, through
	// the sql_query and sql_exec host functions (docs/sql.md). Each must
	// be a database of the gojinn app, or the config fails to load.
	// Default: none.
	SQL []SQLGrant `json:"sql,omitempty"`

	name    string
	logger  *zap.Logger
	key     string // compiledModules key
	module  *sandbox.Module
	runner  *sandbox.Runner
	metrics *metrics.Handler
	wasmSum string
	debug   []byte
	// maxBodySize is MaxBodySize with its default applied.
	maxBodySize int64
	// host is what the guest's `gojinn` imports reach; nil when the
	// module imports none.
	host *hostAccess
	// app is set for a trigger's function, provisioned by the app itself.
	app *App
	// secrets are the env values, kept out of logs and crash records.
	secrets *guestlog.Redactor
	// crashes is nil unless failed runs are recorded.
	crashes *crashRecorder
	// signature is the module's signature state, for the admin view:
	// "verified by <key id>", "<state> (audit)" or "off".
	signature string
}

// CaddyModule returns the Caddy module information.
func (Gojinn) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.gojinn",
		New: func() caddy.Module { return new(Gojinn) },
	}
}

// Provision loads, checks and compiles the module (or reuses the compiled
// module of a previous config with the same bytes and options).
func (g *Gojinn) Provision(ctx caddy.Context) error {
	g.logger = ctx.Logger()
	repl := caddy.NewReplacer()
	g.Path = repl.ReplaceKnown(g.Path, "")
	if g.Path == "" {
		return fmt.Errorf("gojinn: no WebAssembly module path given")
	}
	// Caddy validates after provisioning; a bad limit fails before the
	// module is compiled.
	if err := g.Validate(); err != nil {
		return err
	}
	if err := g.provisionTool(); err != nil {
		return err
	}
	g.name = g.Name
	if g.name == "" {
		g.name = g.Path
	}
	g.logger = g.logger.With(zap.String("handler", g.name))
	env := make(map[string]string, len(g.Env))
	for k, v := range g.Env {
		env[k] = repl.ReplaceKnown(v, "")
	}
	g.secrets = guestlog.NewRedactor(slices.Collect(maps.Values(env)))
	args := []string{filepath.Base(g.Path)}
	for _, a := range g.Args {
		args = append(args, repl.ReplaceKnown(a, ""))
	}
	if s := repl.ReplaceKnown(g.DebugSecret, ""); s != "" {
		g.debug = []byte(s)
	}

	m, err := metrics.New(ctx.GetMetricsRegistry())
	if err != nil {
		return fmt.Errorf("gojinn: %s: registering metrics: %w", g.Path, err)
	}
	g.metrics = m.Handler(g.name)

	wasm, err := os.ReadFile(g.Path)
	if err != nil {
		return fmt.Errorf("gojinn: loading %s: %w", g.Path, err)
	}
	if err := g.verifySignature(ctx, wasm); err != nil {
		return err
	}
	sum := sha256.Sum256(wasm)
	g.wasmSum = hex.EncodeToString(sum[:])
	opts := sandbox.Options{MemoryLimitPages: sandbox.PagesFor(g.MemoryLimit), CacheDir: g.cacheDir()}
	if g.MemoryLimit > 0 && opts.MemoryLimitPages == 0 {
		return fmt.Errorf("gojinn: %s: memory_limit %d is less than one 64KiB page", g.Path, g.MemoryLimit)
	}
	if opts.CacheDir != "" {
		if err := os.MkdirAll(opts.CacheDir, 0o700); err != nil {
			return fmt.Errorf("gojinn: %s: cache_dir: %w", g.Path, err)
		}
	}
	g.key = fmt.Sprintf("%s/%d/%s", g.wasmSum, opts.MemoryLimitPages, opts.CacheDir)
	val, _, err := compiledModules.LoadOrNew(g.key, func() (caddy.Destructor, error) {
		start := time.Now()
		mod, err := sandbox.Compile(ctx, g.Path, wasm, opts, host.Module())
		if err != nil {
			return nil, err
		}
		m.ObserveCompile(time.Since(start))
		return compiledModule{mod}, nil
	})
	if err != nil {
		return fmt.Errorf("gojinn: %w", err)
	}
	g.module = val.(compiledModule).Module

	mounts, err := g.openMounts(repl)
	if err != nil {
		return err
	}
	g.runner = sandbox.NewRunner(g.module, sandbox.RunnerConfig{
		Limits: sandbox.RunLimits{
			Timeout:   time.Duration(g.Timeout),
			MaxOutput: int(g.MaxOutputSize),
			FuelLimit: g.FuelLimit,
		},
		PoolSize:       g.PoolSize,
		MaxConcurrency: g.MaxConcurrency,
		MaxQueue:       g.MaxQueue,
		QueueTimeout:   time.Duration(g.QueueTimeout),
		Observer:       g.metrics,
		Env:            env,
		Args:           args,
		Mounts:         mounts,
		PoolStopped: func(reason string) {
			g.logger.Error("pool stopped", zap.String("reason", reason))
		},
	})
	g.maxBodySize = g.MaxBodySize
	if g.maxBodySize == 0 {
		g.maxBodySize = DefaultMaxBodySize
	}
	registerHandler(g) // listed by the admin API and the dashboard until Cleanup
	if err := g.provisionCrashes(ctx); err != nil {
		return err
	}
	return g.provisionHost(ctx)
}

// cacheDir is where compiled code is kept on disk; "" when off. The value
// is compared after its placeholders are resolved, so `{env.X}` may say
// "off"; one that resolves to nothing means the default, as if omitted.
func (g *Gojinn) cacheDir() string {
	switch dir := caddy.NewReplacer().ReplaceKnown(g.CacheDir, ""); dir {
	case "off":
		return ""
	case "":
		return filepath.Join(caddy.AppDataDir(), "gojinn", "wasm-cache")
	default:
		return dir
	}
}

// Validate checks the limits. 0 means the default in JSON (where an
// omitted field is 0); negative values are refused rather than taken for
// the default.
func (g *Gojinn) Validate() error {
	negative := ""
	switch {
	case g.Timeout < 0:
		negative = "timeout"
	case g.QueueTimeout < 0:
		negative = "queue_timeout"
	case g.PoolSize < 0:
		negative = "pool_size"
	case g.MaxConcurrency < 0:
		negative = "max_concurrency"
	case g.MaxQueue < 0:
		negative = "max_queue"
	case g.MemoryLimit < 0:
		negative = "memory_limit"
	case g.MaxBodySize < 0:
		negative = "max_body_size"
	case g.MaxOutputSize < 0:
		negative = "max_output_size"
	case g.FuelLimit < 0:
		negative = "fuel_limit"
	case g.FetchTimeout < 0:
		negative = "fetch_timeout"
	case g.FetchMaxBody < 0:
		negative = "fetch_max_body"
	case g.FetchMaxCalls < 0:
		negative = "fetch_max_calls"
	}
	if negative != "" {
		return fmt.Errorf("gojinn: %s: %s must not be negative (0 or omitted means the default)", g.Path, negative)
	}
	return nil
}

// Cleanup stops this config's pool and releases its hold on the compiled
// module; the module is closed when no config uses it any more.
func (g *Gojinn) Cleanup() error {
	unregisterHandler(g)
	if g.runner != nil {
		g.runner.Close()
	}
	g.host.close()
	g.cleanupCrashes()
	if g.key != "" {
		_, _ = compiledModules.Delete(g.key)
	}
	return nil
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Gojinn)(nil)
	_ caddy.Validator             = (*Gojinn)(nil)
	_ caddy.CleanerUpper          = (*Gojinn)(nil)
	_ caddyhttp.MiddlewareHandler = (*Gojinn)(nil)
)
