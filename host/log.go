package host

import "context"

// hostLog is host_log(level, ptr, len): one line to the run's Log. A bad
// pointer writes nothing (the status, invalid, is only observed).
func hostLog(_ context.Context, r *Run, g *guest) Status {
	msg := g.bytes(1)
	if !g.ok {
		return StatusInvalid
	}
	if r.Log != nil {
		r.Log(int(int32(g.u32(0))), msg)
	}
	return StatusOK
}
