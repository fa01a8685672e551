package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/gojinn/gojinn/sandbox"
)

// A fresh run's context is reused by later runs (runContext): each run
// must end for its own reason only, whatever the one before it ended by.
// The sleep guest waits on its run's context (Done, which watches the
// request's), so each run is stopped either by its timeout or by its
// request's context, in turn, on one goroutine (which reuses the state).
func TestRunContextReuse(t *testing.T) {
	r := runner(t, "sleep", sandbox.RunnerConfig{Limits: sandbox.RunLimits{Timeout: 100 * time.Millisecond}})
	for i := range 6 {
		ctx, cancel := context.WithCancel(context.Background())
		want := sandbox.OutcomeTimeout
		if i%2 == 1 {
			want = sandbox.OutcomeCanceled
			time.AfterFunc(20*time.Millisecond, cancel)
		}
		if res := r.Run(ctx, hello, nil); res.Outcome != want {
			t.Fatalf("run %d: outcome %s (%v), want %s", i, res.Outcome, res.Err, want)
		}
		cancel()
	}
	// A run after all this, whose context never ends, answers.
	ok := runner(t, "ok", sandbox.RunnerConfig{})
	for i := range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		if res := ok.Run(ctx, hello, nil); res.Err != nil {
			t.Fatalf("ok run %d: %v", i, res.Err)
		}
		cancel() // after the run: must not reach the next one
	}
}
