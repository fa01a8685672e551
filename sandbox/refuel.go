package sandbox

import (
	"context"
	"errors"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/sandbox/meter"
)

// errFuelExhausted stops a run that used more fuel than its limit.
var errFuelExhausted = errors.New("fuel exhausted")

// runMeter is a run's context as its guest's calls see it: the run's own
// context, which is done when the run is stopped, and the run's budget,
// which the refuel host function finds through Value. A host module is
// shared by every instance of the runtime, so per-run state can only reach
// it through the call's context. It is what context.WithValue would make,
// kept in the run's reused state instead: no allocation per run.
type runMeter struct {
	context.Context
	budget meter.Budget
	stop   context.CancelCauseFunc // the run's, for errFuelExhausted
	// values is the request's context for a pooled instance, whose own
	// context cannot derive from a request that had not come when it
	// started: set before the request is delivered (which orders it
	// before every call that can read it), nil until then.
	values context.Context
}

type meterKey struct{}

// Value returns the meter itself for meterKey, else the run context's
// value, else the request's (pooled instances).
func (m *runMeter) Value(key any) any {
	if key == (meterKey{}) {
		return m
	}
	if v := m.Context.Value(key); v != nil || m.values == nil {
		return v
	}
	return m.values.Value(key)
}

// start prepares m for a run of ctx, stopped by stop, with fuel limit,
// and returns the context of the run's wazero calls: m for a metered
// module. Nothing keeps that context past the run, so m can be reused
// after it; wazero's termination checks (WithCloseOnContextDone, for
// benchmarks only) watch theirs from a goroutine that may outlive the
// run, so an unmetered module gets the run's own context, unless m is
// never reused (owned: a pooled instance's, which needs m for values).
func (m *runMeter) start(ctx context.Context, stop context.CancelCauseFunc, limit int64, metered, owned bool) context.Context {
	if !metered && !owned {
		return ctx
	}
	m.Context, m.stop, m.budget = ctx, stop, meter.Budget{Limit: limit}
	return m
}

// consumed is the fuel the run of mod has used, read from its counter.
func (m *runMeter) consumed(mod api.Module) int64 {
	return m.budget.Consumed(int64(mod.ExportedGlobal(meter.FuelExport).Get()))
}

// instantiateRefuel adds the refuel import of instrumented modules to rt.
// A Go module function: reflection (WithFunc) costs ~20x more per call.
func instantiateRefuel(ctx context.Context, rt wazero.Runtime) error {
	_, err := rt.NewHostModuleBuilder(meter.ImportModule).NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(refuel), []api.ValueType{api.ValueTypeI64}, []api.ValueType{api.ValueTypeI64}).
		Export(meter.RefuelImport).Instantiate(ctx)
	return err
}

// refuel is called by an instrumented guest whose counter went below zero,
// about every meter.DefaultSlice units. It stops a run that was stopped
// (timeout, client gone, output cap, closed) or used more than its fuel
// limit, by panicking, which wazero turns into the error Call returns;
// classify then reports the run's stop cause. Otherwise it hands out the
// next slice.
func refuel(ctx context.Context, _ api.Module, stack []uint64) {
	m := ctx.Value(meterKey{}).(*runMeter)
	if ctx.Err() != nil {
		panic(context.Cause(ctx))
	}
	next, err := m.budget.Refuel(int64(stack[0]))
	if err != nil {
		m.stop(errFuelExhausted)
		panic(err)
	}
	stack[0] = uint64(next)
}
