package natsbus

import (
	"context"
	"testing"

	"go.uber.org/zap"
)

// BenchmarkKV measures one call from Go to the embedded server and back
// (docs/kv.md quotes it): go test -run '^$' -bench KV -benchtime 20000x ./natsbus/
func BenchmarkKV(b *testing.B) {
	ctx := context.Background()
	kv := newKV(b, openBus(b, Config{Logger: zap.NewNop()}), KVConfig{})
	value := make([]byte, 100)
	if _, err := kv.Set(ctx, "bench", "key", value, 0); err != nil {
		b.Fatal(err)
	}
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := kv.Get(ctx, "bench", "key"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("set", func(b *testing.B) {
		for b.Loop() {
			if _, err := kv.Set(ctx, "bench", "key", value, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("increment", func(b *testing.B) {
		for b.Loop() {
			if _, err := kv.Increment(ctx, "bench", "n", 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}
