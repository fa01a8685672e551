package host

import (
	"bytes"
	"context"
	"fmt"
)

// enqueue is enqueue(queue_ptr, queue_len, body_ptr, body_len, id_buf_ptr,
// id_buf_cap, len_out). It checks, in this order (contract/README.md):
// every range in bounds (invalid), the queue's name (invalid, too_large),
// its grant (denied), a backend (unavailable), the body (too_large), the
// id buffer (buffer_too_small when under MaxJobID, before anything is
// enqueued: a retry never makes a second job); then enqueues the job and
// writes its id by the buffer convention.
func enqueue(ctx context.Context, r *Run, g *guest) Status {
	queueB, bodyB := g.bytes(0), g.bytes(2)
	buf, bufCap := g.u32(4), g.u32(5)
	g.view(buf, bufCap)
	lenOut := g.out(6, 4)
	if !g.ok {
		return StatusInvalid
	}
	if st := checkStore(queueB); st != StatusOK { // queue names follow the rule of store names
		return st
	}
	if r.Grants == nil || !r.Grants.Queues[string(queueB)] {
		return r.deny("enqueue", fmt.Sprintf("queue %q is not granted", queueB))
	}
	if r.Queue == nil {
		return StatusUnavailable
	}
	if len(bodyB) > r.maxJobSize() {
		return StatusTooLarge
	}
	if bufCap < MaxJobID {
		g.mem.WriteUint32Le(lenOut, MaxJobID)
		return StatusBufferTooSmall
	}
	id, err := r.Queue.Enqueue(ctx, string(queueB), bytes.Clone(bodyB), nil)
	if err != nil {
		return StatusOf(err)
	}
	if len(id) > MaxJobID {
		return StatusIOError // the backend broke its contract; the job is stored
	}
	return g.result([]byte(id), buf, bufCap, lenOut)
}
