package metrics

import (
	"slices"
	"sync/atomic"
	"time"
)

// recentSize is how many of a handler's latest latencies and fuel counts
// its quantiles are computed from.
const recentSize = 1024

// recent is what one Handler value keeps for the admin API and the
// dashboard, besides its Prometheus series: counts by outcome since the
// handler was provisioned, and its latest latencies and fuel counts.
//
// Why not the Prometheus series: they are shared by every handler of
// the same name, and quantiles estimated from their buckets are too
// coarse to read (function_duration_seconds has one bucket from 1 ms to
// 2.5 ms, fuel_consumed a factor of 3 per bucket). Two rings of the
// latest recentSize samples give exact quantiles of recent traffic for
// an atomic add and a store per sample, and 16 KiB per handler.
type recent struct {
	outcomes  [numOutcomes]atomic.Int64
	other     atomic.Int64 // outcomes that are not one of Outcomes
	latency   ring         // nanoseconds
	fuel      ring         // units
	fuelTotal atomic.Int64
}

// ring holds the latest recentSize values added to it.
type ring struct {
	added atomic.Uint64
	vals  [recentSize]atomic.Int64
}

func (r *ring) add(v int64) {
	i := r.added.Add(1) - 1
	r.vals[i%recentSize].Store(v)
}

// sorted returns the values held, in increasing order, and how many were
// ever added.
func (r *ring) sorted() ([]int64, int64) {
	added := r.added.Load()
	n := min(added, recentSize)
	out := make([]int64, n)
	for i := range out {
		out[i] = r.vals[i].Load()
	}
	slices.Sort(out)
	return out, int64(added)
}

// Recent is a handler's counts since it was provisioned and the
// quantiles of its latest runs (at most the last 1,024 of each).
type Recent struct {
	// Requests counts finished requests by outcome (only those seen).
	Requests map[string]int64
	// Latency quantiles, from the start of a request to its response.
	Latency Quantiles
	// Fuel quantiles, of the runs that executed.
	Fuel Quantiles
	// FuelTotal is the fuel all of its runs used.
	FuelTotal int64
	// FuelRuns counts the runs whose fuel was measured (every run that
	// executed, whether or not fuel_limit is set).
	FuelRuns int64
}

// Quantiles of a handler's latest samples; zero when it has none.
type Quantiles struct {
	// Samples is how many of the latest values these are computed from.
	Samples int
	// P50, P90, P99 and Max are nearest-rank quantiles.
	P50, P90, P99, Max int64
}

func quantiles(sorted []int64) Quantiles {
	n := len(sorted)
	if n == 0 {
		return Quantiles{}
	}
	at := func(q float64) int64 {
		i := int(q*float64(n)+0.999999) - 1 // nearest rank: ceil(q·n)
		return sorted[max(0, min(i, n-1))]
	}
	return Quantiles{Samples: n, P50: at(0.5), P90: at(0.9), P99: at(0.99), Max: sorted[n-1]}
}

// Recent returns the handler's counts and recent quantiles (latency in
// nanoseconds, fuel in units). On a nil *Handler it returns the zero
// Recent.
func (h *Handler) Recent() Recent {
	if h == nil {
		return Recent{Requests: map[string]int64{}}
	}
	r := &h.recent
	out := Recent{Requests: map[string]int64{}}
	for i, o := range Outcomes {
		if n := r.outcomes[i].Load(); n > 0 {
			out.Requests[o] = n
		}
	}
	if n := r.other.Load(); n > 0 {
		out.Requests["other"] = n
	}
	lat, _ := r.latency.sorted()
	out.Latency = quantiles(lat)
	fuel, runs := r.fuel.sorted()
	out.Fuel = quantiles(fuel)
	out.FuelRuns = runs
	out.FuelTotal = r.fuelTotal.Load()
	return out
}

func (r *recent) observeInvocation(outcome int, d time.Duration) {
	if outcome < 0 {
		r.other.Add(1)
	} else {
		r.outcomes[outcome].Add(1)
	}
	r.latency.add(int64(d))
}

func (r *recent) observeFuel(units int64) {
	r.fuel.add(units)
	r.fuelTotal.Add(units)
}
