package sandbox

import (
	"context"
	"sync"
	"time"
)

// runContext is the context of a fresh run, kept in its runIO and reused:
// what context.WithCancelCause of the request's context would be, without
// its cost on every request (the context, its done channel, its cancel
// function, and its entry in the parent's set of children, a map that a
// request's context allocates for its first child).
//
// It watches its parent lazily: a metered guest's refuel and the end of
// the run ask Err, which also reads the parent's; only a caller that waits
// (Done: a guest's sleep, a host call) gets the channel and, with it, a
// watch of the parent (context.AfterFunc) that closes it when the parent
// ends first.
type runContext struct {
	parent context.Context

	mu      sync.Mutex
	done    chan struct{} // made by the first Done; closed when stopped
	err     error         // nil while the run is not stopped
	cause   error
	unwatch func() bool // ends the parent watch Done set up; nil if none
}

// begin prepares c for a run under parent.
func (c *runContext) begin(parent context.Context) {
	c.mu.Lock()
	c.parent, c.done, c.err, c.cause, c.unwatch = parent, nil, nil, nil, nil
	c.mu.Unlock()
}

// end stops c (if the run was not stopped already) and ends its parent
// watch. It tells whether c may be reused: not when the watch had already
// started its stop, which may still be running.
func (c *runContext) end() (reusable bool) {
	c.stop(nil)
	c.mu.Lock()
	unwatch := c.unwatch
	c.mu.Unlock()
	return unwatch == nil || unwatch()
}

// Deadline implements context.Context.
func (c *runContext) Deadline() (time.Time, bool) { return c.parent.Deadline() }

// Value implements context.Context.
func (c *runContext) Value(key any) any { return c.parent.Value(key) }

// Done implements context.Context.
func (c *runContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		switch {
		case c.err != nil:
			close(c.done)
		case c.parent.Done() != nil:
			parent := c.parent
			c.unwatch = context.AfterFunc(parent, func() { c.stopAs(parent.Err(), context.Cause(parent)) })
		}
	}
	return c.done
}

// Err implements context.Context: the run's stop, else its parent's end.
func (c *runContext) Err() error {
	err, _ := c.stopped()
	return err
}

// stopped returns the run's Err and its cause (nil, nil while it runs).
func (c *runContext) stopped() (err, cause error) {
	c.mu.Lock()
	err, cause = c.err, c.cause
	c.mu.Unlock()
	if err != nil {
		return err, cause
	}
	if perr := c.parent.Err(); perr != nil {
		c.stopAs(perr, context.Cause(c.parent))
		return c.stopped()
	}
	return nil, nil
}

// stop is the run's context.CancelCauseFunc: it stops the run with cause
// (context.Canceled when nil), unless it was stopped already.
func (c *runContext) stop(cause error) {
	if cause == nil {
		cause = context.Canceled
	}
	c.stopAs(context.Canceled, cause)
}

func (c *runContext) stopAs(err, cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err, c.cause = err, cause
	if c.done != nil {
		close(c.done)
	}
}

// stopCause is why the run of ctx was stopped, or nil if it runs: for a
// runContext its own stop or its parent's end, else (a pooled instance's
// context.WithCancelCause) context.Cause.
func stopCause(ctx context.Context) error {
	if c, ok := ctx.(*runContext); ok {
		_, cause := c.stopped()
		return cause
	}
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}
