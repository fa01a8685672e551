package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const labelQueue = "queue"

// jobLatencyBuckets span a job run at once (~1 ms) to one that waited
// for retries over hours.
var jobLatencyBuckets = []float64{
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600,
}

// Queue is one job queue's series. A nil *Queue is valid: its methods
// are no-ops (metrics off).
type Queue struct {
	enqueued, succeeded, retried, dead prometheus.Counter
	depth                              prometheus.Gauge
	latency                            prometheus.Observer
}

// NewQueue registers (or reuses) the queue collectors on reg and returns
// queue's series; nil when reg is nil.
func NewQueue(reg prometheus.Registerer, queue string) (*Queue, error) {
	if isNilRegisterer(reg) {
		return nil, nil
	}
	counter := func(name, help string) (prometheus.Counter, error) {
		v, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, []string{labelQueue}))
		if err != nil {
			return nil, err
		}
		return v.WithLabelValues(queue), nil
	}
	q := &Queue{}
	var err error
	if q.enqueued, err = counter("queue_jobs_enqueued_total", "Jobs accepted by a queue (duplicates of an idempotency key not counted)."); err != nil {
		return nil, err
	}
	if q.succeeded, err = counter("queue_jobs_succeeded_total", "Jobs whose run succeeded (status < 500)."); err != nil {
		return nil, err
	}
	if q.retried, err = counter("queue_jobs_retried_total", "Failed attempts followed by another attempt."); err != nil {
		return nil, err
	}
	if q.dead, err = counter("queue_jobs_dead_total", "Jobs moved to the dead letters."); err != nil {
		return nil, err
	}
	depth, err := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "queue_depth",
		Help: "Jobs in a queue not yet settled (waiting, running or waiting for a retry), sampled every 5 seconds.",
	}, []string{labelQueue}))
	if err != nil {
		return nil, err
	}
	q.depth = depth.WithLabelValues(queue)
	latency, err := register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "queue_job_latency_seconds",
		Help:    "Time from a job's enqueue to the end of its successful run, retries included.",
		Buckets: jobLatencyBuckets,
	}, []string{labelQueue}))
	if err != nil {
		return nil, err
	}
	q.latency = latency.WithLabelValues(queue)
	return q, nil
}

// Enqueued counts an accepted job.
func (q *Queue) Enqueued() {
	if q != nil {
		q.enqueued.Inc()
	}
}

// Succeeded counts a job done, latency after its enqueue.
func (q *Queue) Succeeded(latency time.Duration) {
	if q != nil {
		q.succeeded.Inc()
		q.latency.Observe(latency.Seconds())
	}
}

// Retried counts a failed attempt that will be retried.
func (q *Queue) Retried() {
	if q != nil {
		q.retried.Inc()
	}
}

// Dead counts a job moved to the dead letters.
func (q *Queue) Dead() {
	if q != nil {
		q.dead.Inc()
	}
}

// SetDepth sets the jobs not yet settled.
func (q *Queue) SetDepth(n float64) {
	if q != nil {
		q.depth.Set(n)
	}
}
