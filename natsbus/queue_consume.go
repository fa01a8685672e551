package natsbus

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// RunFunc runs one attempt of a job; ctx is done when the consumer is
// stopped past its grace period (the job then stays queued).
type RunFunc func(ctx context.Context, job *Job) Outcome

// Events are what a consumer reports to its caller (for metrics); each
// may be nil.
type Events struct {
	// Done: a job succeeded; latency is from its enqueue.
	Done func(latency time.Duration)
	// Retried: an attempt failed and the job will run again.
	Retried func()
	// Dead: a job went to the dead letters.
	Dead func()
	// Error: something failed that a log should say (a dead letter that
	// could not be stored stays queued, for one).
	Error func(err error)
}

// Consumer runs a queue's jobs; Stop it.
type Consumer struct {
	q      *Queue
	run    RunFunc
	ev     Events
	cc     jetstream.ConsumeContext
	sub    *nats.Subscription // MAX_DELIVERIES advisories
	sem    chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	halted bool          // Stop was called: no new runs
	halt   chan struct{} // closed by Stop
	ctx    context.Context
	cancel context.CancelFunc
}

// pullHeartbeat is how often the consumer's leader tells a waiting pull
// that it is alive. Two missed heartbeats make the client pull again, so
// when the node leading the consumer dies, the pulls reach the newly
// elected leader within two heartbeats; with nats.go's default (15 s)
// the other nodes' workers sat idle for 30 s (TestClusterKillResumesQueueWork).
const pullHeartbeat = time.Second

// Consume starts running the queue's jobs, at most concurrency at once
// on this process.
func (q *Queue) Consume(concurrency int, run RunFunc, ev Events) (*Consumer, error) {
	c := &Consumer{q: q, run: run, ev: ev, sem: make(chan struct{}, concurrency), halt: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	// A job whose last attempt never answered (the process died, or the
	// run outlived the ack wait) is not delivered again: JetStream
	// announces it, and it goes to the dead letters here.
	var err error
	c.sub, err = q.bus.shared.nc.Subscribe(
		"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+q.stream+"."+consumerName, c.maxDeliveries)
	if err != nil {
		c.cancel()
		return nil, fmt.Errorf("natsbus: queue %s: %w", q.cfg.Name, err)
	}
	c.cc, err = q.cons.Consume(c.dispatch, jetstream.PullMaxMessages(concurrency), jetstream.PullHeartbeat(pullHeartbeat))
	if err != nil {
		_ = c.sub.Unsubscribe()
		c.cancel()
		return nil, fmt.Errorf("natsbus: queue %s: %w", q.cfg.Name, err)
	}
	return c, nil
}

// dispatch hands a delivered job to a free worker, waiting for one.
func (c *Consumer) dispatch(msg jetstream.Msg) {
	select {
	case c.sem <- struct{}{}:
	case <-c.halt:
		return // stopped: the job is delivered again after the ack wait
	}
	c.mu.Lock()
	if c.halted {
		c.mu.Unlock()
		<-c.sem
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer func() { <-c.sem; c.wg.Done() }()
		c.handle(msg)
	}()
}

// handle runs one attempt and settles it: ack, a delayed nak, or (at the
// last attempt) a dead letter.
func (c *Consumer) handle(msg jetstream.Msg) {
	q := c.q
	md, err := msg.Metadata()
	if err != nil {
		c.report(err)
		return
	}
	job, err := decodeJob(msg.Headers(), msg.Data())
	if err != nil { // not a job Gojinn stored: kept, as a dead letter
		c.bury(msg, &Job{ID: msg.Headers().Get(hdrJobID)}, int(md.NumDelivered), Outcome{Reason: err.Error()})
		return
	}
	job.Attempt = int(md.NumDelivered)
	q.setState(c.ctx, job.ID, JobState{State: StateRunning, Attempts: job.Attempt})
	out := c.run(c.ctx, job)
	if c.ctx.Err() != nil {
		return // stopped mid-run: delivered again after the ack wait
	}
	switch {
	case out.OK:
		// The state first: a process killed between the two then runs the
		// job again (the ack never came) and ends it done; the other way
		// round, the job stayed "running" for ever (TestQueueSurvivesKill).
		q.setState(c.ctx, job.ID, JobState{State: StateDone, Attempts: job.Attempt})
		if err := msg.DoubleAck(c.ctx); err != nil {
			c.report(fmt.Errorf("queue %s: acknowledging job %s: %w", q.cfg.Name, job.ID, err))
			return
		}
		if c.ev.Done != nil {
			c.ev.Done(time.Since(job.EnqueuedAt))
		}
	case job.Attempt >= q.cfg.MaxAttempts:
		c.bury(msg, job, job.Attempt, out)
	default:
		// The state before the nak, so the next attempt's "running" comes
		// after it.
		q.setState(c.ctx, job.ID, JobState{State: StateRetrying, Attempts: job.Attempt, Reason: out.Reason})
		if err := msg.NakWithDelay(q.Backoff(job.Attempt)); err != nil {
			c.report(fmt.Errorf("queue %s: job %s: %w", q.cfg.Name, job.ID, err))
		}
		if c.ev.Retried != nil {
			c.ev.Retried()
		}
	}
}

// bury moves a job to the dead letters, then removes it from the queue;
// if the dead letter cannot be stored, the job stays queued (redelivered
// after the ack wait, and announced as at MaxDeliver).
func (c *Consumer) bury(msg jetstream.Msg, job *Job, attempts int, out Outcome) {
	if err := c.q.storeDead(c.ctx, msg.Headers(), msg.Data(), job.ID, attempts, out); err != nil {
		c.report(err)
		return
	}
	if err := msg.DoubleAck(c.ctx); err != nil {
		c.report(fmt.Errorf("queue %s: removing dead job %s: %w", c.q.cfg.Name, job.ID, err))
	}
	if c.ev.Dead != nil {
		c.ev.Dead()
	}
}

// maxDeliveries moves to the dead letters a job JetStream gave up on.
func (c *Consumer) maxDeliveries(m *nats.Msg) {
	var adv struct {
		StreamSeq  uint64 `json:"stream_seq"`
		Deliveries int    `json:"deliveries"`
	}
	if json.Unmarshal(m.Data, &adv) != nil || adv.StreamSeq == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	raw, err := c.q.work.GetMsg(ctx, adv.StreamSeq)
	if err != nil {
		return // already settled
	}
	id := raw.Header.Get(hdrJobID)
	out := Outcome{Reason: "no attempt answered within the ack wait (the process stopped mid-run, or the run outlived it)"}
	if err := c.q.storeDead(ctx, raw.Header, raw.Data, id, adv.Deliveries, out); err != nil {
		c.report(err)
		return
	}
	if err := c.q.work.DeleteMsg(ctx, adv.StreamSeq); err != nil {
		c.report(fmt.Errorf("queue %s: removing dead job %s: %w", c.q.cfg.Name, id, err))
	}
	if c.ev.Dead != nil {
		c.ev.Dead()
	}
}

func (c *Consumer) report(err error) {
	if c.ev.Error != nil && c.ctx.Err() == nil {
		c.ev.Error(err)
	}
}

// Stop stops taking jobs and waits up to grace for the runs in flight;
// then it cancels them (their jobs stay queued). It reports whether the
// runs ended within grace.
func (c *Consumer) Stop(grace time.Duration) bool {
	c.mu.Lock()
	c.halted = true
	c.mu.Unlock()
	close(c.halt)
	c.cc.Stop()
	_ = c.sub.Unsubscribe()
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	finished := true
	select {
	case <-done:
	case <-time.After(grace):
		finished = false
	}
	c.cancel()
	<-done
	return finished
}
