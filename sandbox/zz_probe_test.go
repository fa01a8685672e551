package sandbox_test

// TEMPORARY probe (never commit): PROBE="a=/x.wasm,b=/y.wasm" go test -bench Probe

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/gojinn/gojinn/sandbox"
)

func BenchmarkProbe(b *testing.B) {
	for _, kv := range strings.Split(os.Getenv("PROBE"), ",") {
		if kv == "" {
			continue
		}
		name, path, _ := strings.Cut(kv, "=")
		b.Run(name, func(b *testing.B) {
			r := sandbox.NewRunner(compile(b, path, sandbox.Options{}), sandbox.RunnerConfig{})
			defer r.Close()
			ctx := context.Background()
			if res := r.Run(ctx, benchRequest, nil); res.Err != nil {
				b.Fatal(res.Err)
			} else if os.Getenv("PROBE_SHOW") != "" {
				b.Logf("%s: %d %q %v", name, res.Response.Status, res.Response.Body, res.Response.Headers)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var ru0, ru1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			n := 0
			for b.Loop() {
				if res := r.Run(ctx, benchRequest, nil); res.Err != nil {
					b.Fatal(res.Err)
				}
				n++
			}
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := (ru1.Utime.Nano() + ru1.Stime.Nano()) - (ru0.Utime.Nano() + ru0.Stime.Nano())
			b.ReportMetric(float64(cpu)/float64(n), "cpu-ns/op")
		})
	}
}
