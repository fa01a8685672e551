package metrics

import (
	"testing"
	"time"
)

// BenchmarkRecentRequest is what a handler's own counters add to one
// request (see recent): an outcome count, a latency and a fuel sample.
//
//	go test -run '^$' -bench Recent -count 5 ./metrics/
func BenchmarkRecentRequest(b *testing.B) {
	var r recent
	b.ReportAllocs()
	for b.Loop() {
		r.observeInvocation(0, 20*time.Microsecond)
		r.observeFuel(40)
	}
}

// BenchmarkRecentRequestParallel is BenchmarkRecentRequest from every
// core at once, on one handler: the shared counters' contention.
func BenchmarkRecentRequestParallel(b *testing.B) {
	var r recent
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.observeInvocation(0, 20*time.Microsecond)
			r.observeFuel(40)
		}
	})
}

// BenchmarkRecentRead is one read of a handler's view (the admin API and
// every dashboard refresh do one per handler): two sorts of 1,024.
func BenchmarkRecentRead(b *testing.B) {
	h := &Handler{}
	for i := range recentSize {
		h.recent.observeInvocation(0, time.Duration(i*7919%recentSize))
		h.recent.observeFuel(int64(i * 7919 % recentSize))
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Recent()
	}
}
