package natsbus

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// ownerCtx is a run's context that records being used from any goroutine
// but the one making the call: the sandbox reuses a run's context once
// the run has ended, so only the call itself may touch it.
type ownerCtx struct {
	owner []byte
	done  chan struct{}

	mu    sync.Mutex
	other []string // the methods called from other goroutines
}

func goroutineID() []byte {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	return buf[:bytes.IndexByte(buf, '[')]
}

func (c *ownerCtx) check(method string) {
	if !bytes.Equal(goroutineID(), c.owner) {
		c.mu.Lock()
		c.other = append(c.other, method)
		c.mu.Unlock()
	}
}

func (c *ownerCtx) Deadline() (time.Time, bool) { c.check("Deadline"); return time.Time{}, false }
func (c *ownerCtx) Done() <-chan struct{}       { c.check("Done"); return c.done }
func (c *ownerCtx) Err() error {
	c.check("Err")
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}
func (c *ownerCtx) Value(any) any { c.check("Value"); return nil }

// TestRunContextStaysWithTheCall: no goroutine but the caller's touches
// the run's context (a context derived from it would, from the goroutine
// that propagates its cancellation: Caddy crashed when that goroutine
// called Done on a run context the sandbox had reset).
func TestRunContextStaysWithTheCall(t *testing.T) {
	kv := newKV(t, openBus(t, Config{}), KVConfig{})
	ctx := &ownerCtx{owner: goroutineID(), done: make(chan struct{})}
	if _, err := kv.Set(ctx, "s", "k", []byte("1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := kv.Get(ctx, "s", "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Increment(ctx, "s", "k", 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := kv.Keys(ctx, "s", "", "", 10); err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "s", "k"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // for goroutines left behind
	ctx.mu.Lock()
	defer ctx.mu.Unlock()
	if len(ctx.other) > 0 {
		t.Fatalf("the run's context was used from other goroutines: %v", ctx.other)
	}
	// A run stopped during a call ends it (timeout).
	stopped := &ownerCtx{owner: goroutineID(), done: make(chan struct{})}
	close(stopped.done)
	if _, _, err := kv.Get(stopped, "s", "k"); err == nil {
		t.Fatal("a call on a stopped run succeeded")
	}
}
