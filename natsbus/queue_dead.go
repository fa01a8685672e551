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
	msg.Data = data
	info := DeadInfo{Reason: out.Reason, StderrTail: out.StderrTail, Attempts: attempts}
	if err := q.bus.publishDead(ctx, msg, "dead-"+id+"-"+h.Get(hdrEnqueued), info); err != nil {
		return fmt.Errorf("queue %s: storing dead job %s: %w", q.cfg.Name, id, queueErr(err))
	}
	q.setState(ctx, id, JobState{State: StateDead, Attempts: attempts, Reason: out.Reason})
	return nil
}

// publishDead stores msg in a dead-letter stream with info (its DiedAt
// set to now) in the Gojinn-Dead header; msgID de-duplicates a second
// copy of the same death.
func (b *Bus) publishDead(ctx context.Context, msg *nats.Msg, msgID string, info DeadInfo) error {
	info.DiedAt = time.Now().UTC()
	raw, _ := json.Marshal(info)
	msg.Header.Set(hdrDead, string(raw))
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	_, err := b.shared.js.PublishMsg(ctx, msg)
	return err
}

// deadPage reads up to limit dead letters of subjects in s after the
// sequence after; next is the after of the next page, 0 at the end.
func deadPage[T any](ctx context.Context, s jetstream.Stream, subjects string, after uint64, limit int, decode func(*jetstream.RawStreamMsg) T) (page []T, next uint64, err error) {
	seq := after + 1
	for len(page) < limit {
		raw, err := s.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subjects))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return page, 0, nil
		}
		if err != nil {
			return nil, 0, mapErr(err)
		}
		page = append(page, decode(raw))
		seq = raw.Sequence + 1
	}
	return page, seq - 1, nil
}

// deadInfo is why a dead letter died, from its Gojinn-Dead header.
func deadInfo(h nats.Header) DeadInfo {
	var info DeadInfo
	_ = json.Unmarshal([]byte(h.Get(hdrDead)), &info)
	return info
}

// Dead lists up to limit dead letters after the sequence after (0 for
// the first page); next is the after of the next page, 0 at the end.
func (q *Queue) Dead(ctx context.Context, after uint64, limit int) (jobs []DeadJob, next uint64, err error) {
	return deadPage(ctx, q.deadS, q.deadSub+".*", after, limit, decodeDead)
}

// DeadJob returns one dead letter by job id; host.ErrNotFound when the
// queue has none with that id.
func (q *Queue) DeadJob(ctx context.Context, id string) (DeadJob, error) {
	raw, err := q.deadRaw(ctx, id)
	if err != nil {
		return DeadJob{}, err
	}
	return decodeDead(raw), nil
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

func decodeDead(raw *jetstream.RawStreamMsg) DeadJob {
	job, err := decodeJob(raw.Header, raw.Data)
	if err != nil {
		job = &Job{ID: raw.Header.Get(hdrJobID)}
	}
	return DeadJob{Job: *job, DeadInfo: deadInfo(raw.Header), Seq: raw.Sequence}
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
	// The state first: the job may run, and write its own, as soon as it
	// is published (a "queued" written after could overwrite its "done").
	prior, priorErr := q.State(ctx, id)
	q.setState(ctx, id, JobState{State: StateQueued})
	if _, err := q.bus.shared.js.PublishMsg(ctx, msg); err != nil {
		if priorErr == nil {
			q.setState(ctx, id, prior)
		}
		return queueErr(err)
	}
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
