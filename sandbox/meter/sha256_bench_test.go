package meter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
)

// BenchmarkSHA256Overhead runs the sha256-as example (SHA-256 of the
// request body in plain AssemblyScript) on a 64 KiB body, instrumented
// (refuel, no termination checks) and as it is without any checks,
// alternately, so that both see the same machine load, and reports the
// ratio of their total times (the target is <= 1.5). Each run's digest is
// checked against crypto/sha256.
//
//	make examples && go test -run '^$' -bench BenchmarkSHA256Overhead -benchtime 50x ./sandbox/meter/
func BenchmarkSHA256Overhead(b *testing.B) {
	wasm, err := os.ReadFile(filepath.Join(testguest.Root(), "examples", "sha256-as", "build", "handler.wasm"))
	if err != nil {
		b.Skipf("run make examples: %v", err)
	}
	body := strings.Repeat("0123456789abcdef", 64<<10/16)
	sum := sha256.Sum256([]byte(body))
	want := hex.EncodeToString(sum[:])
	stdin, _ := json.Marshal(map[string]any{
		"method": "POST", "uri": "/", "headers": map[string][]string{}, "body": body,
		"trace_id": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		"host":     "localhost", "remote_addr": "127.0.0.1:40000", "proto": "HTTP/1.1",
	})
	plain, metered := newHost(b, true), newHost(b, true) // neither has termination checks
	pc, err := plain.CompileModule(b.Context(), wasm)
	if err != nil {
		b.Fatal(err)
	}
	mc, err := metered.CompileModule(b.Context(), mustInstrument(b, wasm))
	if err != nil {
		b.Fatal(err)
	}
	check := func(o outcome) {
		var resp struct{ Body string }
		if err := json.Unmarshal([]byte(o.stdout), &resp); err != nil || resp.Body != want {
			b.Fatalf("digest %q (%v), want %s: %+v", resp.Body, err, want, o.err)
		}
	}
	var tp, tm time.Duration
	var fuel int64
	for b.Loop() {
		start := time.Now()
		op := runStart(b, plain, pc, "_start", stdin, nil, time.Minute)
		mid := time.Now()
		om := runStart(b, metered, mc, "_start", stdin, &Budget{}, time.Minute)
		tp, tm = tp+mid.Sub(start), tm+time.Since(mid)
		check(op)
		check(om)
		fuel = om.fuel
	}
	b.ReportMetric(float64(tm)/float64(tp), "x-no-checks")
	b.ReportMetric(float64(tp.Microseconds())/1000/float64(b.N), "ms-plain/op")
	b.ReportMetric(float64(tm.Microseconds())/1000/float64(b.N), "ms-metered/op")
	b.ReportMetric(float64(fuel), "fuel/op")
}
