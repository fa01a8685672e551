package sandbox

import (
	"context"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// instance is a fresh instance created ahead of its request, its _start
// already running on its own goroutine and blocked in its first read of
// stdin. It serves exactly one request and is then closed.
type instance struct {
	mod    api.Module
	ctx    context.Context
	stop   context.CancelCauseFunc
	stdin  stdinGate
	stdout outputBuffer
	stderr stderrGate
	done   chan struct{} // closed when _start has returned
	err    error         // what _start returned
	mem    uint64
}

// prepare creates an instance and starts it ahead of its request.
func (r *Runner) prepare() (*instance, error) {
	ctx, stop := context.WithCancelCause(context.Background())
	inst := &instance{ctx: ctx, stop: stop, done: make(chan struct{})}
	inst.stdin = stdinGate{ready: make(chan struct{}), done: ctx.Done()}
	inst.stdout = outputBuffer{max: r.limits.MaxOutput, stop: stop}
	mc := r.config.WithStdin(&inst.stdin).WithStdout(&inst.stdout).WithStderr(&inst.stderr).
		WithNanosleep(func(ns int64) { sleepUntilDone(ctx.Done(), ns) })
	if err := r.module.use(); err != nil { // the instance keeps the module alive until it ends
		stop(err)
		return nil, err
	}
	t0 := time.Now()
	mod, start, err := r.module.instantiate(ctx, mc)
	r.obs.ObserveInstantiate(time.Since(t0))
	if err != nil {
		stop(err)
		r.module.leave()
		return nil, err
	}
	inst.mod = mod
	go func() {
		_, inst.err = start.Call(ctx)
		inst.mem = memorySize(mod)
		_ = mod.Close(context.Background())
		r.module.leave()
		close(inst.done)
	}()
	return inst, nil
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
	inst.stdin.deliver(in)
	<-inst.done
	timer.Stop()
	unlink()
	res.Execute = time.Since(t0)
	res.MemoryBytes = inst.mem
	res.Response, res.Err = r.classify(inst.ctx, inst.err, &inst.stdout)
	inst.stop(nil)
}

// pool keeps up to size instances prepared, refilled in the background.
type pool struct {
	r     *Runner
	ready chan *instance
	quit  chan struct{}
	wg    sync.WaitGroup
}

func newPool(r *Runner, size int) *pool {
	p := &pool{r: r, ready: make(chan *instance, size), quit: make(chan struct{})}
	workers := min(size, runtime.GOMAXPROCS(0))
	for range workers {
		p.wg.Add(1)
		go p.fill()
	}
	return p
}

// fill prepares instances for as long as the pool is open.
func (p *pool) fill() {
	defer p.wg.Done()
	for {
		inst, err := p.r.prepare()
		if err != nil {
			// Instantiation failing here fails on the request path too,
			// where it is reported; do not spin.
			select {
			case <-p.quit:
				return
			case <-time.After(time.Second):
				continue
			}
		}
		select {
		case p.ready <- inst:
			p.r.obs.SetPoolReady(len(p.ready))
		case <-p.quit:
			inst.discard()
			return
		}
	}
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
	close(p.quit)
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
