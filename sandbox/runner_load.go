package sandbox

// Load is what a Runner is doing at one moment, and the caps it applies.
type Load struct {
	// Running is the slots held (runs in flight, and requests that hold a
	// slot while their body is read); MaxConcurrency caps them.
	Running, MaxConcurrency int
	// Waiting is the runs waiting for a slot; MaxQueue caps them.
	Waiting, MaxQueue int
	// PoolSize is the instances kept ready ahead of requests (0: no
	// pool); PoolReady of them are ready now.
	PoolSize, PoolReady int
	// PoolStopped tells that the pool stopped preparing instances for good
	// (see RunnerConfig.PoolStopped) or was closed.
	PoolStopped bool
}

// Load returns the Runner's current load. It is cheap (no lock) and safe
// for concurrent use; its numbers are each read at a slightly different
// moment.
func (r *Runner) Load() Load {
	l := Load{
		Running: len(r.slots), MaxConcurrency: cap(r.slots),
		Waiting: int(r.queued.Load()), MaxQueue: r.maxQueue,
	}
	if p := r.pool; p != nil {
		l.PoolSize, l.PoolReady = cap(p.ready), len(p.ready)
		select {
		case <-p.off:
			l.PoolStopped = true
		default:
		}
	}
	return l
}

// Limits returns the run limits, defaults applied.
func (r *Runner) Limits() RunLimits { return r.limits }
