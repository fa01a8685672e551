package sandbox

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// DefaultMaxQueue is the default cap on runs waiting for a slot. It keeps
// the documented promise that 1,000 concurrent requests to one handler all
// get answers.
const DefaultMaxQueue = 1024

// Slot is one held concurrency slot, taken by [Runner.Acquire]. It lets a
// caller do the expensive part of a request (reading its body) only once
// the run is sure to start. Every Slot must be Run or Released: until then
// it holds its slot and keeps its Module from being released.
type Slot struct {
	r        *Runner
	wait     time.Duration
	released atomic.Bool
}

// Acquire waits for a concurrency slot. It fails with an *Error: with
// OutcomeOverload at once when MaxQueue runs are already waiting, or when
// QueueTimeout passes; with OutcomeCanceled when ctx ends first.
//
// From Acquire until its slot is released, the run keeps its Module alive:
// a Module closed meanwhile is released only after it (see [Module.Close]).
func (r *Runner) Acquire(ctx context.Context) (*Slot, error) {
	s := new(Slot)
	if err := r.acquire(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// acquire is Acquire into s, which Runner.Run keeps on its stack.
func (r *Runner) acquire(ctx context.Context, s *Slot) error {
	if err := r.use(); err != nil {
		r.obs.ObserveQueueWait(0)
		return fail(OutcomeOverload, "no sandbox for this handler any more", err)
	}
	wait, err := r.wait(ctx)
	if err != nil {
		r.leave()
		return err
	}
	s.r, s.wait = r, wait
	return nil
}

// wait takes a concurrency slot, waiting for one if needed.
func (r *Runner) wait(ctx context.Context) (time.Duration, error) {
	select {
	case r.slots <- struct{}{}:
		r.obs.ObserveQueueWait(0) // so the wait's quantiles cover every request
		return 0, nil
	default:
	}
	// A caller already gone never takes a place in the queue, not even
	// for a moment: a waiter arriving then would be refused for it.
	if r.queued.Load() < int64(r.maxQueue) && ctx.Err() != nil {
		r.obs.ObserveQueueWait(0)
		return 0, fail(OutcomeCanceled, "the client went away while the request was queued", ctx.Err())
	}
	if r.queued.Add(1) > int64(r.maxQueue) {
		r.queued.Add(-1)
		r.obs.ObserveQueueWait(0)
		return 0, fail(OutcomeOverload, fmt.Sprintf("%d requests are already waiting for a sandbox (max_queue)", r.maxQueue), nil)
	}
	defer r.queued.Add(-1)
	start := time.Now()
	t := time.NewTimer(r.queueTimeout)
	defer t.Stop()
	select {
	case r.slots <- struct{}{}:
		wait := time.Since(start)
		r.obs.ObserveQueueWait(wait)
		return wait, nil
	case <-t.C:
		r.obs.ObserveQueueWait(time.Since(start))
		return 0, fail(OutcomeOverload, fmt.Sprintf("no free sandbox after waiting %s (max_concurrency %d)", r.queueTimeout, cap(r.slots)), nil)
	case <-ctx.Done():
		r.obs.ObserveQueueWait(time.Since(start))
		return 0, fail(OutcomeCanceled, "the client went away while the request was queued", ctx.Err())
	}
}

// QueueWait is how long Acquire waited for the slot.
func (s *Slot) QueueWait() time.Duration { return s.wait }

// Release gives the slot back without running; safe to call after Run
// and more than once.
func (s *Slot) Release() {
	if s.released.CompareAndSwap(false, true) {
		<-s.r.slots
		s.r.leave()
	}
}

// Run runs req in a fresh instance in this slot and releases the slot. A
// Slot runs once: a second Run fails without running. Guest stderr goes
// to stderr (nil: discarded); ctx canceled (the client went away) stops
// the guest: OutcomeCanceled.
func (s *Slot) Run(ctx context.Context, req *Request, stderr io.Writer) Result {
	res := Result{QueueWait: s.wait}
	if s.released.Load() {
		res.Err = fail(OutcomeCanceled, "the slot was already used or released", nil)
		res.Outcome = OutcomeOf(res.Err)
		return res
	}
	defer s.Release()
	s.r.run(ctx, req, stderr, &res)
	return res
}
