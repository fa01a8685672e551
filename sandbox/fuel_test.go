package sandbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/sandbox"
)

// poolFilled is an Observer that signals when the pool has an instance ready.
type poolFilled struct {
	instantiated
	ready chan struct{}
}

func (o poolFilled) SetPoolReady(n int) {
	if n > 0 {
		select {
		case o.ready <- struct{}{}:
		default:
		}
	}
}

// fuelRun runs guest once, fresh (pool 0) or in a pooled instance, and
// returns its Result.
func fuelRun(t *testing.T, guest string, pool int, limits sandbox.RunLimits) sandbox.Result {
	t.Helper()
	obs := poolFilled{instantiated{make(chan struct{}, 1)}, make(chan struct{}, 1)}
	r := runner(t, guest, sandbox.RunnerConfig{PoolSize: pool, Limits: limits, Observer: obs})
	if pool > 0 {
		<-obs.ready
	}
	res := r.Run(context.Background(), hello, nil)
	if pool > 0 != res.Pooled {
		t.Fatalf("%s: pool %d, pooled %v", guest, pool, res.Pooled)
	}
	return res
}

// The same request to the same module uses the same fuel, run after run,
// fresh or pooled (a pooled instance's start-up counts, as a fresh one's).
func TestFuelIsTheSameEveryRun(t *testing.T) {
	for _, guest := range []string{"ok", "spin"} {
		var first int64
		for i, pool := range []int{0, 0, 1, 1} {
			res := fuelRun(t, guest, pool, sandbox.RunLimits{Timeout: time.Minute})
			if res.Err != nil || res.Fuel <= 0 {
				t.Fatalf("%s run %d: fuel %d, err %v", guest, i, res.Fuel, res.Err)
			}
			if i == 0 {
				first = res.Fuel
			} else if res.Fuel != first {
				t.Fatalf("%s run %d (pool %d): fuel %d, first run %d", guest, i, pool, res.Fuel, first)
			}
		}
	}
}

// A run is stopped as fuel_exhausted as soon as it has used more than its
// fuel_limit, also an endless loop under a long timeout; a limit at least
// what a run uses lets it answer.
func TestFuelLimit(t *testing.T) {
	for _, pool := range []int{0, 1} {
		long := sandbox.RunLimits{Timeout: time.Minute}
		spin := fuelRun(t, "spin", pool, long).Fuel

		res := fuelRun(t, "loop", pool, sandbox.RunLimits{Timeout: time.Minute, FuelLimit: 5_000_000})
		if res.Outcome != sandbox.OutcomeFuelExhausted || res.Response != nil ||
			!strings.Contains(res.Err.Error(), "fuel_limit of 5000000") || res.Fuel <= 5_000_000 {
			t.Fatalf("pool %d: endless loop: %s (%v), fuel %d", pool, res.Outcome, res.Err, res.Fuel)
		}
		if res := fuelRun(t, "spin", pool, sandbox.RunLimits{Timeout: time.Minute, FuelLimit: spin / 2}); res.Outcome != sandbox.OutcomeFuelExhausted {
			t.Fatalf("pool %d: spin with half its fuel: %s (%v)", pool, res.Outcome, res.Err)
		}
		if res := fuelRun(t, "spin", pool, sandbox.RunLimits{Timeout: time.Minute, FuelLimit: spin}); res.Err != nil || res.Fuel != spin {
			t.Fatalf("pool %d: spin with its exact fuel: %v, fuel %d of %d", pool, res.Err, res.Fuel, spin)
		}
	}
}

// A run that ends over its limit without passing another check (ok.wat
// passes its last one in its read loop, then runs straight to its end) is
// fuel_exhausted too: the outcome depends only on the fuel used.
func TestFuelLimitAtTheEnd(t *testing.T) {
	for _, pool := range []int{0, 1} {
		used := fuelRun(t, "ok", pool, sandbox.RunLimits{}).Fuel
		if res := fuelRun(t, "ok", pool, sandbox.RunLimits{FuelLimit: used}); res.Err != nil {
			t.Fatalf("pool %d: limit = fuel used (%d): %v", pool, used, res.Err)
		}
		res := fuelRun(t, "ok", pool, sandbox.RunLimits{FuelLimit: used - 1})
		if res.Outcome != sandbox.OutcomeFuelExhausted || res.Fuel != used {
			t.Fatalf("pool %d: limit = fuel used - 1: %s (%v), fuel %d of %d", pool, res.Outcome, res.Err, res.Fuel, used)
		}
	}
}

// A start section over the limit (spinstart's spins forever) is
// fuel_exhausted: instantiation is metered like the rest of the run.
func TestFuelLimitInStartSection(t *testing.T) {
	res := fuelRun(t, "spinstart", 0, sandbox.RunLimits{Timeout: time.Minute, FuelLimit: 1000})
	if res.Outcome != sandbox.OutcomeFuelExhausted {
		t.Fatalf("%s (%v)", res.Outcome, res.Err)
	}
}
