package natsbus

import (
	"context"
	"sync"
	"testing"
)

// An increment that starts from its cached revision still sees every
// other write: another process's increments (another KV, with its own
// cache), a set, a delete. Each would be lost if the cache were trusted
// without the compare-and-swap.
func TestIncrementCacheNeverLosesWrites(t *testing.T) {
	ctx := context.Background()
	bus := openBus(t, Config{})
	a, b := newKV(t, bus, KVConfig{}), newKV(t, bus, KVConfig{})
	step := func(kv *KV, want int64) {
		t.Helper()
		if n, err := kv.Increment(ctx, "s", "n", 1); err != nil || n != want {
			t.Fatalf("increment: %d %v, want %d", n, err, want)
		}
	}
	step(a, 1)
	step(a, 2) // from a's cache
	step(b, 3) // a's cache is now stale
	step(a, 4)
	if _, err := b.Set(ctx, "s", "n", []byte("100"), 0); err != nil {
		t.Fatal(err)
	}
	step(a, 101)
	if err := b.Delete(ctx, "s", "n"); err != nil {
		t.Fatal(err)
	}
	step(a, 1)

	// Two processes hammering one key: the sum is exact.
	const each = 200
	var wg sync.WaitGroup
	for _, kv := range []*KV{a, b, a, b} {
		wg.Go(func() {
			for range each {
				if _, err := kv.Increment(ctx, "s", "hot", 1); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if v, _, err := a.Get(ctx, "s", "hot"); err != nil || string(v) != "800" {
		t.Fatalf("after 4×%d increments: %q %v", each, v, err)
	}
}
