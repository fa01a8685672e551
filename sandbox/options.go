package sandbox

import "time"

// PageSize is the size of one WebAssembly memory page.
const PageSize = 65536

// Defaults of Options (docs/caddyfile.md).
const (
	DefaultTimeout       = 60 * time.Second
	DefaultMemoryLimit   = 128 * 1000 * 1000 // 128MB, enough for standard Go guests
	DefaultMaxOutputSize = 5 * 1000 * 1000   // 5MB
)

// Options are the settings a module is compiled with: modules compiled
// from the same bytes with equal Options are interchangeable.
// The zero value of each field means its default.
type Options struct {
	// MemoryLimitPages caps each instance's linear memory, in 64 KiB pages.
	// Past it, memory.grow fails in the guest.
	MemoryLimitPages uint32
	// CacheDir keeps compiled code on disk across restarts; "" for none.
	CacheDir string

	// stopping is how runs are stopped; only benchmarks set it, to
	// compare metering with the alternatives.
	stopping stopMode
}

// stopMode is how the runs of a module can be stopped.
type stopMode uint8

const (
	// stopByMetering instruments the module (sandbox/meter): its refuel
	// host function stops runs and counts their fuel. Always, but in
	// benchmarks.
	stopByMetering stopMode = iota
	// stopNever compiles the module as it is, without any checks: a guest
	// can then not be stopped.
	stopNever
	// stopByChecks compiles the module as it is with wazero's termination
	// checks (WithCloseOnContextDone), the way runs were stopped before
	// metering.
	stopByChecks
)

// RunLimits bound one run.
type RunLimits struct {
	// Timeout is how long a run may take once it has its request.
	Timeout time.Duration
	// MaxOutput caps the guest's stdout, in bytes; past it the guest is stopped.
	MaxOutput int
	// FuelLimit caps the fuel a run may use (see sandbox/meter for the
	// unit), counted from its instance's instantiation, pooled or not;
	// past it the guest is stopped with OutcomeFuelExhausted. 0: no limit.
	FuelLimit int64
}

func (l RunLimits) withDefaults() RunLimits {
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutputSize
	}
	return l
}

// PagesFor converts a memory limit in bytes into whole pages, rounding down.
func PagesFor(bytes int64) uint32 {
	if bytes <= 0 {
		bytes = DefaultMemoryLimit
	}
	p := bytes / PageSize
	if p > 65536 {
		p = 65536
	}
	return uint32(p)
}
