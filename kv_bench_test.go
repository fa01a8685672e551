package gojinn_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/natsbus"
	"github.com/gojinn/gojinn/sandbox"
)

// BenchmarkKVFromGuest is one run of kv-do making one call to a store on
// the embedded NATS server, against a run making none ("none"): the
// difference is one call's cost from the guest, end to end (host module,
// natsbus, NATS, result into the guest). docs/kv.md quotes it:
// go test -run '^$' -bench KVFromGuest -benchtime 5000x .
func BenchmarkKVFromGuest(b *testing.B) {
	bus, err := natsbus.Open(natsbus.Config{StoreDir: b.TempDir(), Logger: zap.NewNop()})
	if err != nil {
		b.Fatal(err)
	}
	defer bus.Close()
	kv, err := natsbus.NewKV(bus, natsbus.KVConfig{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := kv.Set(context.Background(), "s", "k", []byte(strings.Repeat("v", 100)), 0); err != nil {
		b.Fatal(err)
	}
	path := testguest.WAT(b, "kv-do")
	mod, err := sandbox.Compile(context.Background(), path, testguest.Read(b, path), sandbox.Options{}, host.Module())
	if err != nil {
		b.Fatal(err)
	}
	defer mod.Close(context.Background())
	runner := sandbox.NewRunner(mod, sandbox.RunnerConfig{})
	defer runner.Close()
	run := &host.Run{Grants: &host.Grants{KV: map[string]host.Access{"s": host.ReadWrite}}, KV: kv}
	ctx := host.WithRun(context.Background(), run)
	for _, op := range []string{"none", "get s k", "set s k v", "incr s n 1"} {
		req := &sandbox.Request{Method: "POST", URI: "/", Body: []byte(op)}
		b.Run(strings.Fields(op)[0], func(b *testing.B) {
			for b.Loop() {
				res := runner.Run(ctx, req, nil)
				if res.Err != nil || op != "none" && !strings.HasPrefix(string(res.Response.Body), "0 ") {
					b.Fatalf("%s: %v %q", op, res.Err, res.Response.Body)
				}
			}
		})
	}
}
