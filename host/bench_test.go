package host_test

import (
	"context"
	"testing"

	"github.com/gojinn/gojinn/host"
)

// BenchmarkHostCalls is one run of the driver making 100 kv_get calls
// (an in-memory store, 5-byte value) against the same run with none. The
// difference over 100 is an upper bound of one call's cost through the
// module (bounds, grant, key, backend, result): it also holds the
// driver's decoding of the call from its request (144 hex digits).
func BenchmarkHostCalls(b *testing.B) {
	const calls = 100
	kv := newMemoryKV()
	kv.load("s", map[string]string{"key": "value"})
	run := &host.Run{Grants: &host.Grants{KV: map[string]host.Access{"s": host.Read}}, KV: kv}
	for _, n := range []int{0, calls} {
		// In the driver's initial memory: no growth to pay for.
		p := &program{}
		p.write(addrStore, []byte("s"))
		p.write(addrKey, []byte("key"))
		for range n {
			p.call("kv_get", addrStore, 1, addrKey, 3, addrReq, 16, addrLenOut, addrRevOut)
		}
		req := p.request()
		b.Run(map[int]string{0: "none", calls: "kv_get-x100"}[n], func(b *testing.B) {
			driverModule(b)
			ctx := host.WithRun(context.Background(), run)
			b.ReportAllocs()
			for b.Loop() {
				if res := driver.r.Run(ctx, req, nil); res.Err != nil {
					b.Fatal(res.Err)
				}
			}
		})
	}
}
