package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
)

func TestRunnerLoad(t *testing.T) {
	m := compile(t, testguest.WAT(t, "ok"), sandbox.Options{})
	r := sandbox.NewRunner(m, sandbox.RunnerConfig{PoolSize: 2, MaxConcurrency: 1, MaxQueue: 7})
	defer r.Close()
	waitLoad(t, r, "a full pool", func(l sandbox.Load) bool { return l.PoolReady == 2 })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held, err := r.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.Run(ctx, hello, nil) }() // waits for the held slot
	l := waitLoad(t, r, "one running, one waiting", func(l sandbox.Load) bool { return l.Running == 1 && l.Waiting == 1 })
	if want := (sandbox.Load{Running: 1, MaxConcurrency: 1, Waiting: 1, MaxQueue: 7, PoolSize: 2, PoolReady: 2}); l != want {
		t.Fatalf("load %+v, want %+v", l, want)
	}
	held.Release()
	cancel()
	r.Close()
	if l := r.Load(); !l.PoolStopped || l.PoolReady != 0 {
		t.Fatalf("closed runner: load %+v, want its pool stopped and empty", l)
	}
}

func waitLoad(t *testing.T, r *sandbox.Runner, what string, ok func(sandbox.Load) bool) sandbox.Load {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if l := r.Load(); ok(l) {
			return l
		}
	}
	t.Fatalf("no %s: load %+v", what, r.Load())
	return sandbox.Load{}
}
