package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// RunnerConfig configures a Runner. Zero values mean defaults.
type RunnerConfig struct {
	Limits RunLimits
	// PoolSize is how many instances are created, and started up to their
	// first read of stdin, ahead of requests. 0: every run instantiates.
	// Each start-up is bounded by Limits.Timeout (see PoolStopped).
	PoolSize int
	// MaxConcurrency caps runs in flight; 0 means DefaultMaxConcurrency().
	MaxConcurrency int
	// QueueTimeout is how long a run waits for a slot before OutcomeOverload.
	QueueTimeout time.Duration
	// MaxQueue caps runs waiting for a slot; past it Acquire fails at once
	// with OutcomeOverload. 0 means DefaultMaxQueue.
	MaxQueue int
	// Observer receives measurements; nil for none.
	Observer Observer
	// Env is the guest's whole environment.
	Env map[string]string
	// Args is the guest's argv; Args[0] is the program name.
	Args []string
	// Mounts are the host directories the guests see ([OpenMounts]);
	// nil for none. The Runner owns them: Close closes them once the
	// last run ends.
	Mounts *Mounts
	// PoolStopped, when set, is called once if the pool stops preparing
	// instances for good, with the reason: an instance's start-up
	// (instantiation and _start up to its first read of stdin) took longer
	// than Limits.Timeout. Runs then instantiate when their request comes.
	// It is called from a pool goroutine.
	PoolStopped func(reason string)
}

// DefaultQueueTimeout is how long a run waits for a concurrency slot by default.
const DefaultQueueTimeout = 30 * time.Second

// DefaultMaxConcurrency is the default cap on runs in flight: guests only
// compute (they have no I/O to wait on), so more runs than cores in flight
// would only add memory and tail latency.
func DefaultMaxConcurrency() int { return 4 * runtime.GOMAXPROCS(0) }

// Runner runs requests through a Module under limits: at most
// MaxConcurrency at once, each in a fresh instance.
type Runner struct {
	module       *Module
	config       wazero.ModuleConfig // the per-run config less stdio
	limits       RunLimits
	slots        chan struct{}
	queued       atomic.Int64 // runs waiting in Acquire
	maxQueue     int
	queueTimeout time.Duration
	obs          Observer
	pool         *pool
	poolStopped  func(reason string)
	mounts       *Mounts
	bufs         sync.Pool // request encoding buffers
	ios          sync.Pool // *runIO
}

// NewRunner returns a Runner for m. Close it to stop its pool.
func NewRunner(m *Module, cfg RunnerConfig) *Runner {
	r := &Runner{
		module: m, config: moduleConfig(cfg.Env, cfg.Args), limits: cfg.Limits.withDefaults(),
		obs: cfg.Observer, queueTimeout: cfg.QueueTimeout, poolStopped: cfg.PoolStopped,
		mounts: cfg.Mounts,
	}
	if cfg.Mounts != nil {
		r.config = r.config.WithFSConfig(cfg.Mounts.fs)
	}
	if r.obs == nil {
		r.obs = noObserver{}
	}
	if r.queueTimeout <= 0 {
		r.queueTimeout = DefaultQueueTimeout
	}
	n := cfg.MaxConcurrency
	if n <= 0 {
		n = DefaultMaxConcurrency()
	}
	r.slots = make(chan struct{}, n)
	r.maxQueue = cfg.MaxQueue
	if r.maxQueue <= 0 {
		r.maxQueue = DefaultMaxQueue
	}
	if cfg.PoolSize > 0 {
		r.pool = newPool(r, cfg.PoolSize)
	}
	return r
}

// Close stops the pool and discards its instances. Runs in flight finish;
// the mounts are closed after the last.
func (r *Runner) Close() {
	if r.pool != nil {
		r.pool.close()
	}
	r.mounts.Close()
}

// use registers a run or a pooled instance with the module and the
// mounts it needs, which stay open until its leave.
func (r *Runner) use() error {
	if err := r.module.use(); err != nil {
		return err
	}
	if err := r.mounts.use(); err != nil {
		r.module.leave()
		return err
	}
	return nil
}

// leave ends a use.
func (r *Runner) leave() {
	r.mounts.leave()
	r.module.leave()
}

// Result is what a run produced.
type Result struct {
	// Response is the guest's answer; nil unless Err is nil.
	Response *Response
	// Err is nil or an *Error with the outcome and reason.
	Err error
	// Outcome is OutcomeOf(Err).
	Outcome Outcome
	// QueueWait is the time spent waiting for a concurrency slot.
	QueueWait time.Duration
	// Instantiate is the time to create the instance (0 when pooled).
	Instantiate time.Duration
	// Execute is the time from delivering the request to the run's end.
	Execute time.Duration
	// MemoryBytes is the instance's linear memory size at the end.
	MemoryBytes uint64
	// Fuel is the fuel the run used (see sandbox/meter for the unit),
	// counted from its instance's instantiation, pooled or not, so that
	// the same request to the same module uses the same fuel either way;
	// 0 when no instance could be created.
	Fuel int64
	// Pooled tells whether the instance was created ahead of the request.
	Pooled bool
}

// Run acquires a slot and runs req in it: [Runner.Acquire] then [Slot.Run].
func (r *Runner) Run(ctx context.Context, req *Request, stderr io.Writer) Result {
	start := time.Now()
	var slot Slot
	if err := r.acquire(ctx, &slot); err != nil {
		return Result{Err: err, Outcome: OutcomeOf(err), QueueWait: time.Since(start)}
	}
	return slot.Run(ctx, req, stderr)
}

// run runs req in a fresh instance; the caller holds a slot.
func (r *Runner) run(ctx context.Context, req *Request, stderr io.Writer, res *Result) {
	r.obs.SandboxStarted()
	defer r.obs.SandboxFinished()

	bp, _ := r.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	in := (*bp)[:0]
	if need := len(req.Body) + len(req.Body)/8 + 4096; cap(in) < need {
		// Large bodies are not kept for reuse: one allocation for most
		// (some escaping), rather than append's many.
		in = make([]byte, 0, need)
	}
	in = req.AppendJSON(in)
	defer func() {
		if cap(in) <= maxKeptBuffer {
			*bp = in[:0]
			r.bufs.Put(bp)
		}
	}()

	var inst *instance
	if r.pool != nil {
		inst = r.pool.take()
	}
	if inst != nil {
		res.Pooled = true
		r.runPrepared(ctx, inst, in, stderr, res)
	} else {
		r.runFresh(ctx, in, stderr, res)
	}
	if res.MemoryBytes > 0 { // 0: no instance ran
		r.obs.ObserveMemory(res.MemoryBytes)
		if r.module.metered {
			r.obs.ObserveFuel(res.Fuel)
		}
	}
	res.Outcome = OutcomeOf(res.Err)
}

// runFresh instantiates and runs on the caller's goroutine: the fast path.
func (r *Runner) runFresh(ctx context.Context, in []byte, stderr io.Writer, res *Result) {
	rio := r.getIO()
	defer r.putIO(rio) // stops the run context
	runCtx := rio.start(ctx, in, stderr, r.limits.MaxOutput)
	callCtx := rio.meter.start(runCtx, rio.stop, r.limits.FuelLimit, r.module.metered, false)

	// The deadline covers instantiation: it runs the module's start
	// section, guest code like any other.
	rio.arm(r.limits.Timeout)
	t0 := time.Now()
	mod, start, err := r.module.instantiate(callCtx, rio.config)
	t1 := time.Now()
	res.Instantiate = t1.Sub(t0)
	r.obs.ObserveInstantiate(res.Instantiate)
	if err != nil {
		rio.disarm()
		if res.Err = r.stopped(runCtx); res.Err == nil {
			res.Err = fail(OutcomeTrap, "instantiating the module failed", err)
		}
		return
	}
	_, err = start.Call(callCtx)
	rio.disarm()
	res.Execute = time.Since(t1)
	res.MemoryBytes = memorySize(mod)
	if r.module.metered {
		res.Fuel = rio.meter.consumed(mod)
	}
	_ = mod.Close(context.Background())
	res.Response, res.Err = r.classify(runCtx, err, &rio.out, res.Fuel)
}

// classify turns how _start ended, its fuel and stdout into a response or
// an *Error.
func (r *Runner) classify(runCtx context.Context, err error, stdout *outputBuffer, fuel int64) (*Response, error) {
	if stdout.over {
		// Stopped at once, but a guest may have ended on its own first.
		return nil, fail(OutcomeOutputLimit, fmt.Sprintf("the guest wrote more than %d bytes to stdout and was stopped", r.limits.MaxOutput), nil)
	}
	if r.limits.FuelLimit > 0 && fuel > r.limits.FuelLimit {
		// Also a run that ended over its limit before its next check, or
		// that was stopped for another reason at the check that found it
		// over: the outcome depends only on the fuel used.
		return nil, r.fuelExhausted(fuel)
	}
	if err := r.stopped(runCtx); err != nil {
		// Whatever the guest did since it was stopped (a sleep cut short
		// returns to it, and it may even finish) is not an answer.
		return nil, err
	}
	if err != nil {
		// Declared here: errors.As makes it escape, an allocation that a
		// run ending normally (err nil) need not pay.
		var exit *sys.ExitError
		if !errors.As(err, &exit) {
			return nil, fail(OutcomeTrap, "the guest trapped", err)
		}
		if exit.ExitCode() != 0 {
			return nil, fail(OutcomeExitError, fmt.Sprintf("the guest exited with code %d", exit.ExitCode()), nil)
		}
	}
	resp, derr := DecodeResponse(stdout.buf)
	if derr != nil {
		return nil, fail(OutcomeContractError, "the guest's output is not a valid response", derr)
	}
	return resp, nil
}

// stopped is why the run of runCtx was stopped, or nil if it was not.
func (r *Runner) stopped(runCtx context.Context) error {
	cause := stopCause(runCtx)
	if cause == nil {
		return nil
	}
	switch {
	case errors.Is(cause, errTimeout):
		return fail(OutcomeTimeout, fmt.Sprintf("the guest ran past its %s timeout and was stopped", r.limits.Timeout), nil)
	case errors.Is(cause, errOutputLimit):
		return fail(OutcomeOutputLimit, fmt.Sprintf("the guest wrote more than %d bytes to stdout and was stopped", r.limits.MaxOutput), nil)
	case errors.Is(cause, errFuelExhausted):
		return r.fuelExhausted(0)
	default:
		return fail(OutcomeCanceled, "the client went away; the guest was stopped", cause)
	}
}

// fuelExhausted is the error of a run that used more than its fuel limit
// (fuel, when known).
func (r *Runner) fuelExhausted(fuel int64) error {
	if fuel > 0 {
		return fail(OutcomeFuelExhausted, fmt.Sprintf("the guest used %d units of fuel, more than its fuel_limit of %d, and was stopped", fuel, r.limits.FuelLimit), nil)
	}
	return fail(OutcomeFuelExhausted, fmt.Sprintf("the guest used more than its fuel_limit of %d units of fuel and was stopped", r.limits.FuelLimit), nil)
}

func memorySize(mod api.Module) uint64 {
	if mem := mod.Memory(); mem != nil {
		return uint64(mem.Size())
	}
	return 0
}

// bytesReader is stdin for a run whose request is known when it starts.
type bytesReader struct {
	data []byte
	off  int
}

func (b *bytesReader) Read(p []byte) (int, error) {
	if b.off >= len(b.data) {
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	return n, nil
}
