package natsbus

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
)

// benchCluster opens a loopback cluster of n nodes with replicas copies,
// without logs.
func benchCluster(b *testing.B, n, replicas int) []*Bus {
	cfgs := clusterConfigs(b, n)
	for i := range cfgs {
		cfgs[i].Logger, cfgs[i].Cluster.Replicas = zap.NewNop(), replicas
	}
	return openCluster(b, cfgs)
}

// BenchmarkClusterKVSet measures a KV set's latency on one embedded
// server, and on a three-node loopback cluster with one and three
// replicas (docs/cluster.md):
// go test -run '^$' -bench ClusterKVSet -benchtime 5000x ./natsbus/
func BenchmarkClusterKVSet(b *testing.B) {
	for _, tc := range []struct {
		name string
		open func(b *testing.B) *Bus
	}{
		{"standalone", func(b *testing.B) *Bus { return openBus(b, Config{Logger: zap.NewNop()}) }},
		{"cluster_R1", func(b *testing.B) *Bus { return benchCluster(b, 3, 1)[0] }},
		{"cluster_R3", func(b *testing.B) *Bus { return benchCluster(b, 3, 3)[0] }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			kv := newKV(b, tc.open(b), KVConfig{})
			value := make([]byte, 100)
			if _, err := kv.Set(ctx, "bench", "key", value, 0); err != nil {
				b.Fatal(err)
			}
			took := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if _, err := kv.Set(ctx, "bench", "key", value, 0); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// BenchmarkClusterQueueThroughput measures no-op jobs per second through
// one embedded server, and through a three-node loopback cluster (three
// replicas) whose every node enqueues and consumes; all nodes share this
// machine's cores (docs/cluster.md):
// go test -run '^$' -bench ClusterQueueThroughput -benchtime 5000x ./natsbus/
func BenchmarkClusterQueueThroughput(b *testing.B) {
	for _, tc := range []struct {
		name string
		open func(b *testing.B) []*Bus
	}{
		{"one_node", func(b *testing.B) []*Bus { return []*Bus{openBus(b, Config{Logger: zap.NewNop()})} }},
		{"three_nodes", func(b *testing.B) []*Bus { return benchCluster(b, 3, 3) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			buses := tc.open(b)
			var done atomic.Int64
			all := make(chan struct{})
			n := int64(b.N)
			queues := make([]*Queue, len(buses))
			for i, bus := range buses {
				queues[i] = openQueue(b, bus, QueueConfig{Name: "tput"})
				c, err := queues[i].Consume(64/len(buses), func(context.Context, *Job) Outcome { return Outcome{OK: true} },
					Events{Done: func(time.Duration) {
						if done.Add(1) == n {
							close(all)
						}
					}})
				if err != nil {
					b.Fatal(err)
				}
				defer c.Stop(time.Second)
			}
			var next atomic.Int64
			start := time.Now()
			b.ResetTimer()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					q := queues[next.Add(1)%int64(len(queues))]
					if _, err := q.Enqueue(ctx, &Job{Method: "POST", URI: "/", Body: []byte("{}")}, ""); err != nil {
						b.Error(err)
						return
					}
				}
			})
			<-all
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "jobs/s")
		})
	}
}
