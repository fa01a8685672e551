package host

import (
	"context"

	"go.opentelemetry.io/otel/trace"
)

// callContext is the context a backend (KV, Fetcher) gets for one call:
// done when the run is stopped or the call returns, carrying the run's
// trace span and nothing else of the run's context.
//
// The run's own context belongs to the sandbox, which reuses it from run
// to run. Backends derive contexts (net/http and nats.go do), and Go's
// context package may watch a parent from a goroutine that outlives the
// call: given the run's context, that goroutine could read it after the
// run, when it is another run's (its values, its stop) or reset. So the
// run's Done channel is read once, here, during the call, and watched
// until the call returns.
func callContext(run context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(trace.ContextWithSpan(context.Background(), trace.SpanFromContext(run)))
	done := run.Done()
	if done == nil {
		return ctx, cancel
	}
	returned := make(chan struct{})
	go func() {
		select {
		case <-done:
			cancel()
		case <-returned:
		}
	}()
	return ctx, func() {
		close(returned)
		cancel()
	}
}
