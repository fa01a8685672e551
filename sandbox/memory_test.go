package sandbox_test

import (
	"context"
	"sync"
	"testing"

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
