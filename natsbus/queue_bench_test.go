package natsbus

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkQueueEnqueueToStart: one job at a time (low load), from the
// enqueue call to the start of its run; reports the p50 and p99.
func BenchmarkQueueEnqueueToStart(b *testing.B) {
	ctx := context.Background()
	q := openQueue(b, openBus(b, Config{}), QueueConfig{Name: "latency"})
	started := make(chan time.Time, 1)
	c, err := q.Consume(4, func(context.Context, *Job) Outcome {
		started <- time.Now()
		return Outcome{OK: true}
	}, Events{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Stop(time.Second)
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if _, err := q.Enqueue(ctx, &Job{Method: "POST", URI: "/"}, ""); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, (<-started).Sub(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkQueueThroughput: b.N no-op jobs enqueued by 16 goroutines
// while 64 runs consume them; reports jobs/s from the first enqueue to
// the last job done.
func BenchmarkQueueThroughput(b *testing.B) {
	ctx := context.Background()
	q := openQueue(b, openBus(b, Config{}), QueueConfig{Name: "tput"})
	var done atomic.Int64
	all := make(chan struct{})
	n := int64(b.N)
	c, err := q.Consume(64, func(context.Context, *Job) Outcome { return Outcome{OK: true} },
		Events{Done: func(time.Duration) {
			if done.Add(1) == n {
				close(all)
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Stop(time.Second)
	start := time.Now()
	b.ResetTimer()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := q.Enqueue(ctx, &Job{Method: "POST", URI: "/", Body: []byte("{}")}, ""); err != nil {
				b.Error(err)
				return
			}
		}
	})
	<-all
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "jobs/s")
}
