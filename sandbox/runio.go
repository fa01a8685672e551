package sandbox

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
)

// runIO is the stdio, module config and timer of one fresh run, kept in a
// pool and reused by later runs: wazero's ModuleConfig copies itself for
// each stdio it is given (two allocations each), so a config per run cost
// six allocations, and a timer per run two more. A runIO is only reused
// after its instance is closed, when nothing refers to its stdio any more.
type runIO struct {
	in     bytesReader
	out    outputBuffer
	stderr stderrSwitch
	config wazero.ModuleConfig
	run    runContext              // the run's context, stopped by stop
	stop   context.CancelCauseFunc // run.stop, bound once
	meter  runMeter                // the run's context for its guest's calls

	timer    *time.Timer
	mu       sync.Mutex
	armed    bool // a run's deadline is armed
	deadline time.Time
}

// maxKeptBuffer caps the buffers kept for later runs (a runIO's stdout,
// the request encoding): a burst of large requests must not leave each of
// its buffers held, a 10 MB body of control bytes being ~60 MB of JSON.
const maxKeptBuffer = 64 << 10

func (r *Runner) getIO() *runIO {
	if v, ok := r.ios.Get().(*runIO); ok {
		return v
	}
	rio := new(runIO)
	rio.stop = rio.run.stop
	rio.config = r.config.WithStdin(&rio.in).WithStdout(&rio.out).WithStderr(&rio.stderr).
		WithNanosleep(func(ns int64) {
			if ns > 0 { // Done only when needed: it sets up a watch of the parent
				sleepUntilDone(rio.run.Done(), ns)
			}
		})
	rio.timer = time.AfterFunc(time.Hour, rio.expire)
	rio.timer.Stop()
	return rio
}

// putIO keeps rio for a later run, unless its run context cannot be
// reused (see runContext.end).
func (r *Runner) putIO(rio *runIO) {
	if !rio.run.end() {
		return
	}
	rio.in = bytesReader{}
	rio.stderr.w = nil
	rio.run.begin(context.Background())
	rio.meter = runMeter{}
	if cap(rio.out.buf) > maxKeptBuffer {
		rio.out.buf = nil
	}
	r.ios.Put(rio)
}

// start prepares rio for a run under ctx writing to stderr, and returns
// the run's context, stopped through rio.stop. The guest runs on the
// caller's goroutine: nothing else reads these fields meanwhile.
func (rio *runIO) start(ctx context.Context, in []byte, stderr io.Writer, maxOutput int) *runContext {
	rio.run.begin(ctx)
	rio.in = bytesReader{data: in}
	rio.out = outputBuffer{buf: rio.out.buf[:0], max: maxOutput, stop: rio.stop}
	if stderr == nil {
		stderr = io.Discard
	}
	rio.stderr.w = stderr
	return &rio.run
}

// arm starts the run's deadline.
func (rio *runIO) arm(timeout time.Duration) {
	rio.mu.Lock()
	rio.armed, rio.deadline = true, time.Now().Add(timeout)
	rio.mu.Unlock()
	rio.timer.Reset(timeout)
}

// disarm ends the deadline; a late expire finds no run to stop.
func (rio *runIO) disarm() {
	rio.timer.Stop()
	rio.mu.Lock()
	rio.armed = false
	rio.mu.Unlock()
}

// expire stops the armed run if its deadline has passed: a timer that fired
// for an earlier run (and ran late) finds a later deadline, or no run.
func (rio *runIO) expire() {
	rio.mu.Lock()
	defer rio.mu.Unlock()
	if rio.armed && !time.Now().Before(rio.deadline) {
		rio.stop(errTimeout)
	}
}

// stderrSwitch forwards to the current run's stderr writer.
type stderrSwitch struct{ w io.Writer }

func (s *stderrSwitch) Write(p []byte) (int, error) { return s.w.Write(p) }
