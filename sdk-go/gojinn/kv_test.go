package gojinn

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func testStore() (*Store, *fakeABI) {
	f := newFakeABI()
	return &Store{name: "sessions", abi: f}, f
}

// Values of any size come back whole: one call when they fit the first
// buffer, two when they do not (the second with the exact size).
func TestStoreGetWhole(t *testing.T) {
	s, f := testStore()
	for _, size := range []int{0, 1, firstValueBuffer, firstValueBuffer + 1, 1 << 20} {
		value := bytes.Repeat([]byte{0xff, 'x'}, size/2+size%2)[:size]
		rev := f.put("sessions", "k", value, 0)
		f.calls = nil
		got, gotRev, err := s.GetRevision("k")
		if err != nil || !bytes.Equal(got, value) || gotRev != rev {
			t.Fatalf("size %d: got %d bytes rev %d err %v, want %d bytes rev %d", size, len(got), gotRev, err, size, rev)
		}
		wantCalls := 1
		if size > firstValueBuffer {
			wantCalls = 2
		}
		if len(f.calls) != wantCalls {
			t.Errorf("size %d: %d host calls %v, want %d", size, len(f.calls), f.calls, wantCalls)
		}
	}
}

// Failures wrap the sentinel error and say which store and key.
func TestStoreErrors(t *testing.T) {
	s, f := testStore()
	_, err := s.Get("nope")
	if !errors.Is(err, ErrNotFound) || err.Error() != `gojinn: kv get sessions "nope": not_found` {
		t.Fatalf("get of an absent key: %v", err)
	}
	f.denied["sessions"] = true
	if err := s.Set("k", []byte("v"), 0); !errors.Is(err, ErrDenied) {
		t.Fatalf("set on a denied store: %v", err)
	}
	if _, err := s.Keys(""); !errors.Is(err, ErrDenied) {
		t.Fatalf("keys on a denied store: %v", err)
	}
}

// A TTL reaches the host in whole seconds, rounded up so that it still
// expires; one the ABI cannot carry is ErrInvalid and no call.
func TestStoreTTL(t *testing.T) {
	s, f := testStore()
	cases := []struct {
		ttl  time.Duration
		want int32
	}{
		{0, 0},
		{time.Nanosecond, 1},
		{time.Second, 1},
		{1500 * time.Millisecond, 2},
		{time.Hour, 3600},
		{math.MaxInt32 * time.Second, math.MaxInt32},
	}
	for _, tc := range cases {
		if err := s.Set("k", []byte("v"), tc.ttl); err != nil {
			t.Fatal(err)
		}
		if got := f.stores["sessions"]["k"].ttl; got != tc.want {
			t.Errorf("Set ttl %v: host got %d s, want %d", tc.ttl, got, tc.want)
		}
		if _, err := s.Create(fmt.Sprint("c", tc.ttl), []byte("v"), tc.ttl); err != nil {
			t.Fatal(err)
		}
		if got := f.stores["sessions"][fmt.Sprint("c", tc.ttl)].ttl; got != tc.want {
			t.Errorf("Create ttl %v: host got %d s, want %d", tc.ttl, got, tc.want)
		}
	}
	f.calls = nil
	for _, ttl := range []time.Duration{-time.Second, math.MaxInt32*time.Second + 1} {
		if err := s.Set("k", nil, ttl); !errors.Is(err, ErrInvalid) {
			t.Errorf("Set ttl %v: %v, want ErrInvalid", ttl, err)
		}
		if _, err := s.Create("k", nil, ttl); !errors.Is(err, ErrInvalid) {
			t.Errorf("Create ttl %v: %v, want ErrInvalid", ttl, err)
		}
	}
	if len(f.calls) != 0 {
		t.Fatalf("invalid TTLs reached the host: %v", f.calls)
	}
}

// Create, then compare-and-swap on the revisions the store hands out.
func TestStoreCreateUpdate(t *testing.T) {
	s, _ := testStore()
	rev, err := s.Create("lock", []byte("a"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("lock", []byte("b"), 0); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	rev2, err := s.Update("lock", []byte("c"), rev)
	if err != nil || rev2 <= rev {
		t.Fatalf("update at the current revision: rev %d, %v", rev2, err)
	}
	if _, err := s.Update("lock", []byte("d"), rev); !errors.Is(err, ErrConflict) {
		t.Fatalf("update at a stale revision: %v, want ErrConflict", err)
	}
	if _, err := s.Update("absent", []byte("d"), rev); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of an absent key: %v, want ErrNotFound", err)
	}
	if _, err := s.Update("lock", []byte("d"), math.MaxInt64+1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a revision past the ABI's i64: %v, want ErrInvalid", err)
	}
	v, gotRev, err := s.GetRevision("lock")
	if err != nil || string(v) != "c" || gotRev != rev2 {
		t.Fatalf("after the swaps: %q rev %d %v, want \"c\" rev %d", v, gotRev, err, rev2)
	}
	if err := s.Delete("lock"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("lock"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// Keys reads every page, each after the previous page's last key, growing
// its buffer when a page does not fit, and returns the keys in order.
func TestStoreKeysPages(t *testing.T) {
	s, f := testStore()
	f.pageSize = 1000
	var want []string
	for i := range 2500 {
		// Long keys: a page of them does not fit the first buffer.
		k := fmt.Sprintf("user:%04d:%s", i, strings.Repeat("é", 20))
		want = append(want, k)
		f.put("sessions", k, nil, 0)
	}
	f.put("sessions", "other", nil, 0)
	f.calls = nil
	got, err := s.Keys("user:")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d keys, want %d (first %q)", len(got), len(want), got[:min(1, len(got))])
	}
	wantCalls := []string{
		"kv_keys user: after ", "kv_keys user: after ", // the first page does not fit 4 KiB
		"kv_keys user: after " + want[999],
		"kv_keys user: after " + want[1999],
	}
	if !slices.Equal(f.calls, wantCalls) {
		t.Fatalf("host calls:\n%q\nwant\n%q", f.calls, wantCalls)
	}

	if got, err := s.Keys("none"); err != nil || len(got) != 0 {
		t.Fatalf("no key with the prefix: %q %v", got, err)
	}
}

// Increment passes by and returns the host's value.
func TestStoreIncrement(t *testing.T) {
	s, f := testStore()
	if v, err := s.Increment("visits", -42); err != nil || v != -42 {
		t.Fatalf("got %d %v", v, err)
	}
	if !slices.Equal(f.calls, []string{"kv_increment visits"}) {
		t.Fatalf("calls %v", f.calls)
	}
}
