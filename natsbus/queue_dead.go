package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/gojinn/gojinn/host"
)

// DeadInfo is why a job is dead.
type DeadInfo struct {
	// Reason is the last attempt's failure.
	Reason string `json:"reason"`
	// StderrTail is the end of the last attempt's stderr.
	StderrTail string `json:"stderr_tail,omitempty"`
	// Attempts is how many times the job ran.
	Attempts int `json:"attempts"`
	// DiedAt is when it went to the dead letters.
	DiedAt time.Time `json:"died_at"`
}

// DeadJob is a dead letter: the job and why it died.
type DeadJob struct {
	Job
	DeadInfo
	// Seq is its place in the dead-letter stream (for paging).
	Seq uint64 `json:"seq"`
}

// storeDead copies a job to the dead letters with why it died. The
// message id makes a second copy of the same death (a crash between the
// copy and the removal) a no-op.
func (q *Queue) storeDead(ctx context.Context, h nats.Header, data []byte, id string, attempts int, out Outcome) error {
	info, _ := json.Marshal(DeadInfo{Reason: out.Reason, StderrTail: out.StderrTail, Attempts: attempts, DiedAt: time.Now().UTC()})
	if id == "" || !keyPattern.MatchString(id) {
		id = newJobID()
	}
	msg := nats.NewMsg(q.deadSub + "." + id)
	for k, v := range h {
		if k != jetstream.MsgIDHeader {
			msg.Header[k] = v
		}
	}
	msg.Header.Set(hdrJobID, id)
	msg.Header.Set(hdrDead, string(info))
	msg.Header.Set(jetstream.MsgIDHeader, "dead-"+id+"-"+h.Get(hdrEnqueued))
	msg.Data = data
	if _, err := q.bus.shared.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("queue %s: storing dead job %s: %w", q.cfg.Name, id, queueErr(err))
	}
	q.setState(ctx, id, JobState{State: StateDead, Attempts: attempts, Reason: out.Reason})
	return nil
}

// Dead lists up to limit dead letters after the sequence after (0 for
// the first page); next is the after of the next page, 0 at the end.
func (q *Queue) Dead(ctx context.Context, after uint64, limit int) (jobs []DeadJob, next uint64, err error) {
	seq := after + 1
	for len(jobs) < limit {
		raw, err := q.deadS.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(q.deadSub+".*"))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return jobs, 0, nil
		}
		if err != nil {
			return nil, 0, mapErr(err)
		}
		d, err := decodeDead(raw)
		if err != nil {
			return nil, 0, err
		}
		jobs = append(jobs, d)
		seq = raw.Sequence + 1
	}
	return jobs, seq - 1, nil
}

// DeadJob returns one dead letter by job id; host.ErrNotFound when the
// queue has none with that id.
func (q *Queue) DeadJob(ctx context.Context, id string) (DeadJob, error) {
	raw, err := q.deadRaw(ctx, id)
	if err != nil {
		return DeadJob{}, err
	}
	return decodeDead(raw)
}

func (q *Queue) deadRaw(ctx context.Context, id string) (*jetstream.RawStreamMsg, error) {
	if !keyPattern.MatchString(id) {
		return nil, host.ErrNotFound
	}
	raw, err := q.deadS.GetLastMsgForSubject(ctx, q.deadSub+"."+id)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, host.ErrNotFound
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return raw, nil
}

func decodeDead(raw *jetstream.RawStreamMsg) (DeadJob, error) {
	job, err := decodeJob(raw.Header, raw.Data)
	if err != nil {
		job = &Job{ID: raw.Header.Get(hdrJobID)}
	}
	d := DeadJob{Job: *job, Seq: raw.Sequence}
	_ = json.Unmarshal([]byte(raw.Header.Get(hdrDead)), &d.DeadInfo)
	return d, nil
}

// Requeue puts a dead job back on the queue, with the same id and its
// attempts starting again from 1, and removes the dead letter.
func (q *Queue) Requeue(ctx context.Context, id string) error {
	raw, err := q.deadRaw(ctx, id)
	if err != nil {
		return err
	}
	msg := nats.NewMsg(q.subject)
	for _, k := range []string{hdrJobID, hdrRequest} {
		msg.Header.Set(k, raw.Header.Get(k))
	}
	now := time.Now()
	msg.Header.Set(hdrEnqueued, strconv.FormatInt(now.UnixNano(), 10))
	msg.Data = raw.Data
	if _, err := q.bus.shared.js.PublishMsg(ctx, msg); err != nil {
		return queueErr(err)
	}
	q.setState(ctx, id, JobState{State: StateQueued})
	if err := q.deadS.DeleteMsg(ctx, raw.Sequence); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return mapErr(err)
	}
	return nil
}

// DeleteDead removes a dead letter for good.
func (q *Queue) DeleteDead(ctx context.Context, id string) error {
	raw, err := q.deadRaw(ctx, id)
	if err != nil {
		return err
	}
	if err := q.deadS.DeleteMsg(ctx, raw.Sequence); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return mapErr(err)
	}
	_ = q.states.Delete(ctx, id)
	return nil
}

// QueueStats is a queue's state in JetStream.
type QueueStats struct {
	// Pending are the jobs waiting for a run (first or next attempt).
	Pending uint64 `json:"pending"`
	// InFlight are the jobs delivered and not yet settled, including those
	// waiting for their retry delay.
	InFlight int `json:"in_flight"`
	// Dead are the dead letters.
	Dead uint64 `json:"dead"`
	// Bytes are the queue stream's bytes.
	Bytes uint64 `json:"bytes"`
}

// Stats returns the queue's counts.
func (q *Queue) Stats(ctx context.Context) (QueueStats, error) {
	var s QueueStats
	ci, err := q.cons.Info(ctx)
	if err != nil {
		return s, mapErr(err)
	}
	s.Pending, s.InFlight = ci.NumPending, ci.NumAckPending
	wi, err := q.work.Info(ctx)
	if err != nil {
		return s, mapErr(err)
	}
	s.Bytes = wi.State.Bytes
	di, err := q.deadS.Info(ctx)
	if err != nil {
		return s, mapErr(err)
	}
	s.Dead = di.State.Msgs
	return s, nil
}
