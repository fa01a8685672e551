package meter

import "errors"

// DefaultSlice is the fuel handed out per refuel when [Budget.Slice] is 0:
// about a millisecond of compute, so that a host which checks its deadline
// on every refuel stops an endless loop within about a millisecond.
const DefaultSlice = 1 << 20

// ErrFuelExhausted is returned by [Budget.Refuel] when the run has used
// more than its limit.
var ErrFuelExhausted = errors.New("fuel exhausted")

// Budget is the host's account of one run of an instrumented module: what
// it handed out through the refuel import. The zero value hands out
// [DefaultSlice] slices without limit. A Budget is used by one run at a
// time (it is not safe for concurrent use).
type Budget struct {
	// Limit is the run's total fuel; 0 means no limit.
	Limit int64
	// Slice is how much fuel one refuel hands out (at most what is left
	// of Limit); 0 means DefaultSlice.
	Slice int64

	handed int64
}

// Refuel is the refuel import's body: remaining is the counter (below
// zero); it returns the counter's new value, or ErrFuelExhausted once the
// run has used more than Limit. The host stops the run (traps) when it
// returns an error, or for reasons of its own (deadline, cancellation).
//
// The fuel handed out never exceeds Limit, so the counter goes below zero
// at the first check after the run has used more than Limit, whatever the
// slice size: when a run stops for fuel is deterministic.
func (b *Budget) Refuel(remaining int64) (int64, error) {
	if b.Limit > 0 && b.handed-remaining > b.Limit {
		return remaining, ErrFuelExhausted
	}
	slice := b.Slice
	if slice <= 0 {
		slice = DefaultSlice
	}
	if b.Limit > 0 {
		slice = min(slice, b.Limit-b.handed)
	}
	b.handed += slice
	return remaining + slice, nil
}

// Consumed is the fuel the run used, given the counter's final value (the
// exported [FuelExport] global read after the run, or the value passed to
// the failing Refuel).
func (b *Budget) Consumed(final int64) int64 { return b.handed - final }

// Exceeded reports whether a run that used consumed fuel went over Limit.
// A run can end over its limit without passing another check (the cost of
// its last straight-line code): the host should treat that as exhausted
// too, so that the outcome depends only on the fuel used.
func (b *Budget) Exceeded(consumed int64) bool { return b.Limit > 0 && consumed > b.Limit }
