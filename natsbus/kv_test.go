package natsbus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/gojinn/gojinn/host"
)

// openBus opens an embedded server on a fresh directory for one test.
func openBus(t testing.TB, cfg Config) *Bus {
	t.Helper()
	if cfg.StoreDir == "" && cfg.URL == "" {
		cfg.StoreDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = zaptest.NewLogger(t)
	}
	b, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func newKV(t testing.TB, b *Bus, cfg KVConfig) *KV {
	t.Helper()
	kv, err := NewKV(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}

func TestKVOperations(t *testing.T) {
	ctx := context.Background()
	kv := newKV(t, openBus(t, Config{}), KVConfig{})

	_, _, err := kv.Get(ctx, "s", "k")
	wantErr(t, "get of an absent key", err, host.ErrNotFound)

	rev1, err := kv.Set(ctx, "s", "k", []byte("one"), 0)
	if err != nil || rev1 == 0 {
		t.Fatalf("set: rev %d, %v", rev1, err)
	}
	v, rev, err := kv.Get(ctx, "s", "k")
	if err != nil || string(v) != "one" || rev != rev1 {
		t.Fatalf("get: %q rev %d %v; want \"one\" rev %d", v, rev, err, rev1)
	}

	_, err = kv.Create(ctx, "s", "k", []byte("two"), 0)
	wantErr(t, "create of a present key", err, host.ErrExists)

	_, err = kv.Update(ctx, "s", "k", []byte("two"), rev1+100)
	wantErr(t, "update with another revision", err, host.ErrConflict)
	_, err = kv.Update(ctx, "s", "k", []byte("two"), 0)
	wantErr(t, "update with revision 0 of a present key", err, host.ErrConflict)
	rev2, err := kv.Update(ctx, "s", "k", []byte("two"), rev1)
	if err != nil || rev2 <= rev1 {
		t.Fatalf("update on the right revision: rev %d, %v", rev2, err)
	}
	_, err = kv.Update(ctx, "s", "k", []byte("three"), rev1)
	wantErr(t, "update on a stale revision", err, host.ErrConflict)

	if err := kv.Delete(ctx, "s", "k"); err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "s", "k"); err != nil {
		t.Fatalf("deleting an absent key: %v", err)
	}
	_, _, err = kv.Get(ctx, "s", "k")
	wantErr(t, "get of a deleted key", err, host.ErrNotFound)
	_, err = kv.Update(ctx, "s", "k", []byte("x"), rev2)
	wantErr(t, "update of a deleted key", err, host.ErrNotFound)
	_, err = kv.Update(ctx, "s", "never", []byte("x"), 0)
	wantErr(t, "update of an absent key with revision 0", err, host.ErrNotFound)
	if _, err := kv.Create(ctx, "s", "k", []byte("again"), 0); err != nil {
		t.Fatalf("create after delete: %v", err)
	}

	// Stores are apart.
	_, _, err = kv.Get(ctx, "other", "k")
	wantErr(t, "get from another store", err, host.ErrNotFound)

	// Refused before NATS.
	_, _, err = kv.Get(ctx, "bad.name", "k")
	wantErr(t, "a bad store name", err, host.ErrInvalid)
	_, _, err = kv.Get(ctx, "s", "")
	wantErr(t, "an empty key", err, host.ErrInvalid)
	_, _, err = kv.Get(ctx, "s", strings.Repeat("k", MaxKeyLen+1))
	wantErr(t, "a key over 1,024 bytes", err, host.ErrTooLarge)
	_, err = kv.Set(ctx, "s", "k", nil, -time.Second)
	wantErr(t, "a negative TTL", err, host.ErrInvalid)
}

// TestKVAnyKey: any byte string up to 1,024 bytes is a key, stored and
// listed as itself.
func TestKVAnyKey(t *testing.T) {
	ctx := context.Background()
	kv := newKV(t, openBus(t, Config{}), KVConfig{})
	keys := []string{"a.b", "..", "*", ">", "user:42", "sp ace", "=3D", "日本", strings.Repeat("é", MaxKeyLen/2)}
	for i, key := range keys {
		if _, err := kv.Set(ctx, "s", key, []byte{byte(i)}, 0); err != nil {
			t.Fatalf("set %q: %v", key, err)
		}
	}
	for i, key := range keys {
		v, _, err := kv.Get(ctx, "s", key)
		if err != nil || !bytes.Equal(v, []byte{byte(i)}) {
			t.Errorf("get %q: %v %v, want [%d]", key, v, err, i)
		}
	}
	got, more, err := kv.Keys(ctx, "s", "", "", 100)
	if err != nil || more || len(got) != len(keys) {
		t.Fatalf("keys: %q more=%v %v", got, more, err)
	}
	for _, key := range keys {
		if !containsKey(got, key) {
			t.Errorf("keys lacks %q", key)
		}
	}
}

func containsKey(keys []string, key string) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}

func TestKVKeysPaging(t *testing.T) {
	ctx := context.Background()
	kv := newKV(t, openBus(t, Config{}), KVConfig{})
	got, more, err := kv.Keys(ctx, "s", "", "", 10)
	if err != nil || len(got) != 0 || more {
		t.Fatalf("keys of an empty store: %q %v %v", got, more, err)
	}
	for i := range 25 {
		if _, err := kv.Set(ctx, "s", fmt.Sprintf("user:%02d", i), []byte("x"), 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"user", "users", "other:1", "user:05x"} {
		if _, err := kv.Set(ctx, "s", k, []byte("x"), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Delete(ctx, "s", "user:24"); err != nil {
		t.Fatal(err)
	}
	var all []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, more, err := kv.Keys(ctx, "s", "user:", after, 10)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if !more {
			break
		}
		if len(page) != 10 {
			t.Fatalf("a page followed by more holds %d keys, want 10", len(page))
		}
		after = page[len(page)-1]
	}
	var want []string
	for i := range 24 {
		want = append(want, fmt.Sprintf("user:%02d", i))
		if i == 5 {
			want = append(want, "user:05x")
		}
	}
	if strings.Join(all, ",") != strings.Join(want, ",") {
		t.Fatalf("paged keys:\n got %q\nwant %q", all, want)
	}
	_, _, err = kv.Keys(ctx, "s", "", "", 0)
	wantErr(t, "a page limit of 0", err, host.ErrInvalid)
}

func TestKVTTL(t *testing.T) {
	ctx := context.Background()
	kv := newKV(t, openBus(t, Config{}), KVConfig{})
	if _, err := kv.Set(ctx, "s", "short", []byte("x"), time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Create(ctx, "s", "created", []byte("x"), time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Set(ctx, "s", "long", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Set(ctx, "s", "forever", []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"short", "created"} {
		waitGone(t, kv, key)
	}
	for _, key := range []string{"long", "forever"} {
		if _, _, err := kv.Get(ctx, "s", key); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
	keys, _, err := kv.Keys(ctx, "s", "", "", 10)
	if err != nil || strings.Join(keys, ",") != "forever,long" {
		t.Errorf("keys after expiry: %q %v", keys, err)
	}
	// An expired key can be created again and incremented from 0.
	if _, err := kv.Create(ctx, "s", "short", []byte("again"), 0); err != nil {
		t.Errorf("create after expiry: %v", err)
	}
	if n, err := kv.Increment(ctx, "s", "created", 5); err != nil || n != 5 {
		t.Errorf("increment after expiry: %d %v", n, err)
	}
}

// waitGone polls until key has expired; 30 s is 30x its 1 s TTL.
func waitGone(t *testing.T, kv *KV, key string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _, err := kv.Get(context.Background(), "s", key)
		if errors.Is(err, host.ErrNotFound) {
			return
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("%s with a 1s TTL: %v, still there after 30s", key, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestKVIncrement(t *testing.T) {
	ctx := context.Background()
	kv := newKV(t, openBus(t, Config{}), KVConfig{})
	const workers, each = 20, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				if _, err := kv.Increment(ctx, "s", "n", 1); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	v, _, err := kv.Get(ctx, "s", "n")
	if err != nil || string(v) != fmt.Sprint(workers*each) {
		t.Fatalf("after %d concurrent increments: %q %v", workers*each, v, err)
	}
	if n, err := kv.Increment(ctx, "s", "n", -1000); err != nil || n != workers*each-1000 {
		t.Fatalf("increment by -1000: %d %v", n, err)
	}

	for _, tc := range []struct {
		value string
		by    int64
	}{
		{"abc", 1},
		{"", 1},
		{" 1", 1},
		{"1.5", 1},
		{"9223372036854775807", 1},
		{"-9223372036854775808", -1},
	} {
		if _, err := kv.Set(ctx, "s", "bad", []byte(tc.value), 0); err != nil {
			t.Fatal(err)
		}
		_, err := kv.Increment(ctx, "s", "bad", tc.by)
		wantErr(t, fmt.Sprintf("increment %q by %d", tc.value, tc.by), err, host.ErrInvalid)
		if v, _, _ := kv.Get(ctx, "s", "bad"); string(v) != tc.value {
			t.Errorf("a refused increment changed %q to %q", tc.value, v)
		}
	}
}

func TestKVLimits(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, Config{})
	kv := newKV(t, b, KVConfig{MaxBytes: 256 << 10})
	if _, err := kv.Set(ctx, "s", "max", make([]byte, DefaultMaxValue), 0); err == nil {
		t.Fatal("a 1 MiB value fit a 256 KiB store")
	} else {
		wantErr(t, "a value larger than the store", err, host.ErrTooLarge)
	}
	_, err := kv.Set(ctx, "s", "big", make([]byte, DefaultMaxValue+1), 0)
	wantErr(t, "a value over the cap", err, host.ErrTooLarge)
	_, err = kv.Create(ctx, "s", "big", make([]byte, DefaultMaxValue+1), 0)
	wantErr(t, "create over the cap", err, host.ErrTooLarge)

	// Fill the store: the write that does not fit is too_large, the
	// ones before it stay, and deleting makes room again.
	val := make([]byte, 50<<10)
	var stored []string
	for i := 0; ; i++ {
		key := fmt.Sprint("k", i)
		_, err := kv.Set(ctx, "s", key, val, 0)
		if err != nil {
			wantErr(t, "a write to a full store", err, host.ErrTooLarge)
			break
		}
		stored = append(stored, key)
		if i > 10 {
			t.Fatal("a 256 KiB store took more than 500 KiB")
		}
	}
	if len(stored) < 3 {
		t.Fatalf("only %d values of 50 KiB fit a 256 KiB store", len(stored))
	}
	if _, err := kv.Set(ctx, "s", stored[0], val, 0); err != nil {
		t.Errorf("overwriting a key of a full store with a value as large: %v", err)
	}
	for _, key := range stored {
		if _, _, err := kv.Get(ctx, "s", key); err != nil {
			t.Errorf("%s after the store filled: %v", key, err)
		}
	}

	// The embedded server takes the largest value with its headers.
	big := newKV(t, openBus(t, Config{MaxValue: 10 << 20}), KVConfig{})
	if _, err := big.Set(ctx, "s", "k", make([]byte, 10<<20), time.Hour); err != nil {
		t.Fatalf("a value of exactly the 10 MiB cap: %v", err)
	}
}

func TestKVContext(t *testing.T) {
	kv := newKV(t, openBus(t, Config{}), KVConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := kv.Set(ctx, "s", "k", []byte("x"), 0)
	if host.StatusOf(err) != host.StatusTimeout {
		t.Fatalf("a call on a stopped run's context: %v (%s), want timeout", err, host.StatusOf(err))
	}
	_, _, err = kv.Keys(ctx, "s", "", "", 10)
	if host.StatusOf(err) != host.StatusTimeout {
		t.Fatalf("keys on a stopped run's context: %v (%s), want timeout", err, host.StatusOf(err))
	}
}

// TestKVBucketNames: a store is the bucket <prefix><store>.
func TestKVBucketNames(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, Config{})
	for _, prefix := range []string{"", "app1_"} {
		kv := newKV(t, b, KVConfig{Prefix: prefix})
		if _, err := kv.Set(ctx, "sessions", "k", []byte(prefix), 0); err != nil {
			t.Fatal(err)
		}
	}
	for bucket, want := range map[string]string{"gojinn_sessions": "", "app1_sessions": "app1_"} {
		bkt, err := b.shared.js.KeyValue(ctx, bucket)
		if err != nil {
			t.Fatalf("bucket %s: %v", bucket, err)
		}
		e, err := bkt.Get(ctx, "k")
		if err != nil || string(e.Value()) != want {
			t.Errorf("bucket %s holds %v %v, want %q", bucket, e, err, want)
		}
		st, _ := bkt.Status(ctx)
		if st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config.MaxBytes != DefaultMaxBytes {
			t.Errorf("bucket %s is not capped at the default 1 GiB", bucket)
		}
	}
	for _, bad := range []string{"a.b", "a b", strings.Repeat("p", 33)} {
		if _, err := NewKV(b, KVConfig{Prefix: bad}); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
}
