package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// instance is a fresh instance created ahead of its request, its _start
// already run on its own goroutine up to its first read of stdin, where it
// waits for the request. It serves exactly one request and is then closed.
type instance struct {
	mod    api.Module
	ctx    context.Context
	stop   context.CancelCauseFunc
	stdin  stdinGate
	stdout outputBuffer
	stderr stderrGate
	meter  runMeter      // the instance's context for its guest's calls
	done   chan struct{} // closed when _start has returned
	err    error         // what _start returned
	mem    uint64
	fuel   int64 // used since instantiation, start-up included
}

// errStartupTimeout stops an instance whose start-up passed its bound.
var errStartupTimeout = errors.New("start-up past its bound")

// prepare creates an instance and runs its start-up: instantiation and
// _start up to its first read of stdin (or its end). The start-up is
// bounded by the run timeout: past it the instance is discarded and
// prepare fails with errStartupTimeout. closed ends a start-up at once
// (errClosed); it no longer concerns the instance once prepare returned.
func (r *Runner) prepare(closed context.Context) (*instance, error) {
	ctx, stop := context.WithCancelCause(context.Background())
	inst := &instance{ctx: ctx, stop: stop, done: make(chan struct{})}
	inst.stdin = stdinGate{ready: make(chan struct{}), reached: make(chan struct{}), done: ctx.Done()}
	inst.stdout = outputBuffer{max: r.limits.MaxOutput, stop: stop}
	callCtx := inst.meter.start(ctx, stop, r.limits.FuelLimit, r.module.metered, true)
	mc := r.config.WithStdin(&inst.stdin).WithStdout(&inst.stdout).WithStderr(&inst.stderr).
		WithNanosleep(func(ns int64) { sleepUntilDone(ctx.Done(), ns) })
	if err := r.use(); err != nil { // the instance keeps the module and mounts alive until it ends
		stop(err)
		return nil, err
	}
	bound := time.AfterFunc(r.limits.Timeout, func() { stop(errStartupTimeout) })
	unlink := context.AfterFunc(closed, func() { stop(errClosed) })
	t0 := time.Now()
	mod, start, err := r.module.instantiate(callCtx, mc)
	r.obs.ObserveInstantiate(time.Since(t0))
	if err != nil {
		bound.Stop()
		unlink()
		stop(err)
		r.leave()
		return nil, startupError(ctx, err)
	}
	inst.mod = mod
	go func() {
		_, inst.err = start.Call(callCtx)
		inst.mem = memorySize(mod)
		if r.module.metered {
			inst.fuel = inst.meter.consumed(mod)
		}
		_ = mod.Close(context.Background())
		r.leave()
		close(inst.done)
	}()
	select {
	case <-inst.stdin.reached:
	case <-inst.done:
	case <-ctx.Done():
	}
	unlinked, inTime := unlink(), bound.Stop()
	if !unlinked || !inTime {
		inst.discard()
		return nil, startupError(ctx, errClosed)
	}
	return inst, nil
}

// startupError is why a start-up ended: its stop cause, if it was stopped.
func startupError(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return err
}

// discard stops an instance that will serve no request.
func (inst *instance) discard() {
	inst.stop(errClosed)
	<-inst.done
}

// runPrepared hands the request to a started instance and waits for its end.
func (r *Runner) runPrepared(ctx context.Context, inst *instance, in []byte, stderr io.Writer, res *Result) {
	t0 := time.Now()
	timer := time.AfterFunc(r.limits.Timeout, func() { inst.stop(errTimeout) })
	unlink := context.AfterFunc(ctx, func() { inst.stop(context.Cause(ctx)) })
	inst.stderr.attach(stderr)
	inst.meter.values = ctx // before deliver: host calls see the request's values
	inst.stdin.deliver(in)
	<-inst.done
	timer.Stop()
	unlink()
	res.Execute = time.Since(t0)
	res.MemoryBytes = inst.mem
	res.Fuel = inst.fuel
	res.Response, res.Err = r.classify(inst.ctx, inst.err, &inst.stdout, inst.fuel)
	inst.stop(nil)
}

// pool keeps up to size instances prepared, refilled in the background,
// until it is closed or an instance's start-up passes its bound: then it
// stops for good (reported once) and runs instantiate on demand, where
// their own timeout bounds the start-up.
type pool struct {
	r       *Runner
	ready   chan *instance
	closed  context.Context // done when the pool is closed
	shut    context.CancelFunc
	off     chan struct{} // closed when the pool stops preparing
	offOnce sync.Once
	wg      sync.WaitGroup
}

func newPool(r *Runner, size int) *pool {
	p := &pool{r: r, ready: make(chan *instance, size), off: make(chan struct{})}
	p.closed, p.shut = context.WithCancel(context.Background())
	workers := min(size, runtime.GOMAXPROCS(0))
	for range workers {
		p.wg.Add(1)
		go p.fill()
	}
	return p
}

// fill prepares instances for as long as the pool is on.
func (p *pool) fill() {
	defer p.wg.Done()
	for {
		select {
		case <-p.off:
			return
		default:
		}
		inst, err := p.r.prepare(p.closed)
		switch {
		case errors.Is(err, errClosed):
			return
		case errors.Is(err, errStartupTimeout):
			p.stop(fmt.Sprintf("an instance's start-up did not reach its first read of stdin within %s (the timeout); "+
				"the pool stopped for good: requests now instantiate on arrival", p.r.limits.Timeout))
			return
		case err != nil:
			// Instantiation failing here fails on the request path too,
			// where it is reported; do not spin.
			select {
			case <-p.off:
				return
			case <-time.After(time.Second):
				continue
			}
		}
		select {
		case p.ready <- inst:
			p.r.obs.SetPoolReady(len(p.ready))
		case <-p.off:
			inst.discard()
			return
		}
	}
}

// stop turns the pool off; reason, when set, is reported (once).
func (p *pool) stop(reason string) {
	p.offOnce.Do(func() {
		close(p.off)
		if reason != "" && p.r.poolStopped != nil {
			p.r.poolStopped(reason)
		}
	})
}

// take returns a prepared instance, or nil when none is ready.
func (p *pool) take() *instance {
	select {
	case inst := <-p.ready:
		p.r.obs.SetPoolReady(len(p.ready))
		return inst
	default:
		return nil
	}
}

func (p *pool) close() {
	p.shut()
	p.stop("")
	p.wg.Wait()
	for {
		select {
		case inst := <-p.ready:
			inst.discard()
		default:
			p.r.obs.SetPoolReady(0)
			return
		}
	}
}
