package sandbox_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
)

// Every run starts with zeroed memory, also the pages it grows, however
// the previous runs left theirs: linear memory is recycled only zeroed.
func TestMemoryStartsZeroed(t *testing.T) {
	for _, pool := range []int{0, 3} {
		r := runner(t, "dirty", sandbox.RunnerConfig{PoolSize: pool})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 25 {
					res := r.Run(context.Background(), hello, nil)
					if res.Err != nil {
						t.Error(res.Err)
						return
					}
					if string(res.Response.Body) != "clean" {
						t.Errorf("pool %d: a run found memory another run had written", pool)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}

// A memory grown far past the recycled sizes stops exactly at the limit
// although its buffer has room beyond the size asked.
func TestLargeMemoryLimit(t *testing.T) {
	m := compile(t, testguest.WAT(t, "growsteps"), sandbox.Options{MemoryLimitPages: sandbox.PagesFor(sandbox.DefaultMemoryLimit)})
	res := sandbox.NewRunner(m, sandbox.RunnerConfig{}).Run(context.Background(), hello, nil)
	if res.Err != nil || string(res.Response.Body) != "grown" {
		t.Fatalf("%v %v", res.Err, res.Response)
	}
	// 1 page, then 64 at a time while they fit in 1953.
	if want := uint64(1+64*30) * sandbox.PageSize; res.MemoryBytes != want {
		t.Fatalf("MemoryBytes = %d, want %d", res.MemoryBytes, want)
	}
}
