package natsbus

import (
	"context"
	"fmt"
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
	// Every write synced to disk before its acknowledgement (sync_interval always).
	synced := newKV(b, openBus(b, Config{SyncAlways: true, Logger: zap.NewNop()}), KVConfig{})
	b.Run("set_sync_always", func(b *testing.B) {
		for b.Loop() {
			if _, err := synced.Set(ctx, "bench", "key", value, 0); err != nil {
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

// BenchmarkStart measures what the first kv grant adds to a config load:
// starting the embedded server on a fresh directory, creating a store
// with its first write; then stopping it (docs/kv.md):
// go test -run '^$' -bench Start -benchtime 20x ./natsbus/
func BenchmarkStart(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		bus, err := Open(Config{StoreDir: b.TempDir(), Logger: zap.NewNop()})
		if err != nil {
			b.Fatal(err)
		}
		kv := newKV(b, bus, KVConfig{})
		if _, err := kv.Set(ctx, "s", "k", []byte("v"), 0); err != nil {
			b.Fatal(err)
		}
		bus.Close()
	}
}

// BenchmarkKeys measures one page of 1,000 keys from a store of 10,000:
// listing reads every key of the store (docs/kv.md):
// go test -run '^$' -bench Keys -benchtime 20x ./natsbus/
func BenchmarkKeys(b *testing.B) {
	ctx := context.Background()
	kv := newKV(b, openBus(b, Config{Logger: zap.NewNop()}), KVConfig{})
	for i := range 10000 {
		if _, err := kv.Set(ctx, "s", fmt.Sprintf("user:%05d", i), []byte("v"), 0); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if keys, _, err := kv.Keys(ctx, "s", "user:09", "", 1000); err != nil || len(keys) != 1000 {
			b.Fatal(len(keys), err)
		}
	}
}
