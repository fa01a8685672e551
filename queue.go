package gojinn

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/metrics"
	"github.com/gojinn/gojinn/natsbus"
	"github.com/gojinn/gojinn/sandbox"
)

func init() {
	globalOptions["queue"] = parseQueueOption
}

// Headers Gojinn sets on a triggered run's request (a client's own
// X-Gojinn-* headers never reach a guest).
const (
	TriggerHeader = "X-Gojinn-Trigger"
	JobIDHeader   = "X-Gojinn-Job-Id"
	AttemptHeader = "X-Gojinn-Attempt"
)

// DefaultQueueGrace is how long a stopping queue waits for its runs in
// flight.
const DefaultQueueGrace = 10 * time.Second

// Queue is a job queue and the function that runs its jobs
// (docs/events.md): a JetStream work-queue stream with a durable
// consumer, and a dead-letter stream. Delivery is at least once.
type Queue struct {
	// Name names the queue: 1 to 64 letters, digits, '_' or '-'.
	Name string `json:"name"`

	// Function runs each job; it takes every handler setting.
	Function *Gojinn `json:"function"`

	// MaxAttempts is how many times a failing job runs before it goes to
	// the dead letters. Default: 5.
	MaxAttempts int `json:"max_attempts,omitempty"`

	// Backoff is the delay before the second attempt; it doubles per
	// attempt (±20 % jitter) up to BackoffMax. Default: 1s.
	Backoff caddy.Duration `json:"backoff,omitempty"`

	// BackoffMax caps the retry delay. Default: 5m.
	BackoffMax caddy.Duration `json:"backoff_max,omitempty"`

	// Concurrency is how many of the queue's jobs run at once on this
	// node. Default: 4.
	Concurrency int `json:"concurrency,omitempty"`

	// MaxJobSize caps a job (body, request line and headers), in bytes; a
	// larger enqueue gets 413. Default: 1 MiB.
	MaxJobSize int64 `json:"max_job_size,omitempty"`

	// MaxJobs caps the jobs waiting, and separately the dead letters; an
	// enqueue past it gets 503. Default: 1,000,000.
	MaxJobs int64 `json:"max_jobs,omitempty"`

	// MaxBytes caps the queue's stream, and separately its dead letters,
	// in bytes. Default: 1 GiB.
	MaxBytes int64 `json:"max_bytes,omitempty"`

	// GracePeriod is how long runs in flight may go on when Caddy stops
	// or reloads; a run still going then is stopped and its job stays
	// queued. Default: 10s.
	GracePeriod caddy.Duration `json:"grace_period,omitempty"`

	q        *natsbus.Queue
	consumer *natsbus.Consumer
	logger   *zap.Logger
	metrics  *metrics.Queue
	sampling chan struct{} // closed to stop the depth sampler
	// done and failed count this config's settled runs (admin API).
	done, failed atomic.Int64
}

// parseQueueOption reads `queue <name> <wasm> { ... }`: the queue's own
// options and every handler subdirective.
func parseQueueOption(d *caddyfile.Dispenser, app *App) error {
	// The queue's own dispenser: its block's nesting starts at 0, as the
	// handler's parser expects.
	d = d.NewFromNextSegment()
	d.Next() // "queue"
	args := d.RemainingArgs()
	if len(args) != 2 {
		return d.Errf("queue takes a name and a WebAssembly module path, got %d arguments", len(args))
	}
	q := &Queue{Name: args[0], Function: &Gojinn{Path: args[1]}}
	for _, other := range app.Queues {
		if other.Name == q.Name {
			return d.Errf("queue %s is given twice", q.Name)
		}
	}
	err := q.Function.unmarshalBlock(d, func(d *caddyfile.Dispenser, option string) (bool, error) {
		var err error
		switch option {
		case "max_attempts":
			q.MaxAttempts, err = intArg(d, 1)
		case "concurrency":
			q.Concurrency, err = intArg(d, 1)
		case "max_job_size":
			q.MaxJobSize, err = sizeArg(d)
		case "max_jobs":
			var n int
			n, err = intArg(d, 1)
			q.MaxJobs = int64(n)
		case "max_bytes":
			q.MaxBytes, err = sizeArg(d)
		case "grace_period":
			q.GracePeriod, err = durationArg(d)
		case "backoff":
			err = q.unmarshalBackoff(d)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return err
	}
	app.Queues = append(app.Queues, q)
	return nil
}

// unmarshalBackoff reads `backoff <first> [<cap>]`; the cap is not
// below the first delay.
func (q *Queue) unmarshalBackoff(d *caddyfile.Dispenser) error {
	first, limit, err := backoffArgs(d)
	if err != nil {
		return err
	}
	if limit != 0 && limit < first {
		return d.Errf("backoff: the cap %s is below the first delay %s", time.Duration(limit), time.Duration(first))
	}
	q.Backoff, q.BackoffMax = first, limit
	return nil
}

// backoffArgs reads the arguments of `backoff <first> [<cap>]`, a queue's
// or an MQTT subscription's; limit is 0 when no cap is given.
func backoffArgs(d *caddyfile.Dispenser) (first, limit caddy.Duration, err error) {
	args := d.RemainingArgs()
	if len(args) < 1 || len(args) > 2 {
		return 0, 0, d.Errf("backoff takes a first delay and an optional cap, got %d arguments", len(args))
	}
	var ds [2]caddy.Duration
	for i, a := range args {
		v, err := caddy.ParseDuration(a)
		if err != nil || v <= 0 {
			return 0, 0, d.Errf("backoff: %q is not a duration greater than 0", a)
		}
		ds[i] = caddy.Duration(v)
	}
	return ds[0], ds[1], nil
}

// provision provisions the function and creates the queue's streams
// (starting NATS): an enqueue route needs the queue at its own load.
func (q *Queue) provision(ctx caddy.Context, app *App) error {
	label := "queue:" + q.Name
	if err := provisionFunction(ctx, app, q.Function, label); err != nil {
		return err
	}
	q.logger = ctx.Logger().With(zap.String("queue", q.Name))
	m, err := metrics.NewQueue(ctx.GetMetricsRegistry(), q.Name)
	if err != nil {
		return fmt.Errorf("gojinn: %s: registering metrics: %w", label, err)
	}
	q.metrics = m
	bus, err := app.Bus()
	if err != nil {
		return err
	}
	timeout := cmp(time.Duration(q.Function.Timeout), sandbox.DefaultTimeout)
	wait := cmp(time.Duration(q.Function.QueueTimeout), sandbox.DefaultQueueTimeout)
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	q.q, err = natsbus.OpenQueue(pctx, bus, natsbus.QueueConfig{
		Prefix:       app.kvCfg.Prefix,
		Name:         q.Name,
		MaxAttempts:  q.MaxAttempts,
		BackoffFirst: time.Duration(q.Backoff),
		BackoffCap:   time.Duration(q.BackoffMax),
		// A job's delivery is taken back once its run cannot be going any
		// more: the wait for a slot, the run, and a margin.
		AckWait:    wait + timeout + 5*time.Second,
		MaxJobs:    q.MaxJobs,
		MaxBytes:   q.MaxBytes,
		MaxJobSize: q.MaxJobSize,
	})
	if err != nil {
		return fmt.Errorf("gojinn: %w", err)
	}
	return nil
}

// cmp is v, or def when v is 0.
func cmp(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// start starts running jobs.
func (q *Queue) start() error {
	c, err := q.q.Consume(cmpInt(q.Concurrency, 4), q.run, natsbus.Events{
		Done: func(latency time.Duration) {
			q.done.Add(1)
			q.metrics.Succeeded(latency)
		},
		Retried: func() { q.failed.Add(1); q.metrics.Retried() },
		Dead:    func() { q.failed.Add(1); q.metrics.Dead() },
		Error:   func(err error) { q.logger.Error("queue", zap.Error(err)) },
	})
	if err != nil {
		return fmt.Errorf("gojinn: %w", err)
	}
	q.consumer = c
	q.sampling = make(chan struct{})
	go q.sampleDepth(q.sampling)
	return nil
}

// sampleDepth sets the depth gauge every 5 seconds until stop closes.
func (q *Queue) sampleDepth(stop chan struct{}) {
	if q.metrics == nil {
		return
	}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if st, err := q.q.Stats(ctx); err == nil {
				q.metrics.SetDepth(float64(st.Pending) + float64(st.InFlight))
			}
			cancel()
		}
	}
}

func cmpInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// run runs one attempt of a job: the contract request of docs/events.md.
func (q *Queue) run(ctx context.Context, job *natsbus.Job) natsbus.Outcome {
	headers := make(http.Header, len(job.Headers)+3)
	for k, v := range job.Headers {
		headers[k] = v
	}
	headers.Set(TriggerHeader, "queue")
	headers.Set(JobIDHeader, job.ID)
	headers.Set(AttemptHeader, strconv.Itoa(job.Attempt))
	inv := q.Function.Invoke(ctx, &sandbox.Request{
		Method:  http.MethodPost,
		URI:     "/queue/" + q.Name,
		Headers: headers,
		Body:    job.Body,
		TraceID: traceIDOf(headers),
	})
	switch {
	case inv.Response != nil && inv.Status < 500:
		return natsbus.Outcome{OK: true}
	case inv.Reason == "":
		inv.Reason = "status " + strconv.Itoa(inv.Status)
	}
	return natsbus.Outcome{Reason: inv.Reason, StderrTail: inv.StderrTail}
}

// stop stops taking jobs and waits for the runs in flight up to the
// grace period; unfinished jobs stay queued.
func (q *Queue) stop() error {
	if q.consumer == nil {
		return nil
	}
	close(q.sampling)
	if !q.consumer.Stop(cmp(time.Duration(q.GracePeriod), DefaultQueueGrace)) {
		q.logger.Warn("runs still going at the end of the grace period were stopped; their jobs stay queued")
	}
	q.consumer = nil
	return nil
}

// cleanup releases the function.
func (q *Queue) cleanup() {
	if q.Function != nil {
		_ = q.Function.Cleanup()
	}
}

// queueNamed returns the app's queue of that name, or nil.
func (a *App) queueNamed(name string) *Queue {
	for _, q := range a.Queues {
		if q.Name == name {
			return q
		}
	}
	return nil
}
