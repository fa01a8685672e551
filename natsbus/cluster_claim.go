package natsbus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ClaimTTL is how long a claim is kept: longer than any two nodes'
// clocks disagree, so that no node claims an event again once its claim
// is gone.
const ClaimTTL = 10 * time.Minute

// Claims decide which of the processes sharing a NATS takes an event
// that must happen once (a schedule's tick): the first to create the
// event's key in a JetStream KV bucket wins, every other one is told it
// lost. JetStream orders the creates through the bucket's stream leader,
// so exactly one succeeds, on any number of nodes.
type Claims struct {
	kv  jetstream.KeyValue
	bus *Bus
}

// OpenClaims creates (or updates) the claims bucket, prefix + "claims".
func OpenClaims(ctx context.Context, bus *Bus, prefix string) (*Claims, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	kv, err := ensureKV(ctx, bus.shared.js, jetstream.KeyValueConfig{
		Bucket:      prefix + "claims",
		Description: "Gojinn once-per-cluster claims (schedule ticks)",
		History:     1,
		TTL:         ClaimTTL,
		MaxBytes:    64 << 20,
		Replicas:    bus.shared.replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("natsbus: the claims bucket: %w", err)
	}
	return &Claims{kv: kv, bus: bus}, nil
}

// Claim creates key holding id: true if this claimant's create made it,
// false if another's did. id names the claimant and must be unique to it
// and the same across its retries of one key: a create whose answer was
// lost (the leader died after storing it) is retried, finds the key, and
// is still won if the key holds id. An error means NATS could not decide
// (no quorum, a leader election): the caller may retry or give up, never
// act as if it won.
func (c *Claims) Claim(ctx context.Context, key, id string) (bool, error) {
	enc := encodeKey(key)
	_, err := c.kv.Create(ctx, enc, []byte(id))
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return false, mapErr(err)
	}
	// The leader refuses a create while another one for the key is being
	// replicated, before a read sees it: read until it does.
	for {
		v, _, err := leaderRead(ctx, c.bus.shared, c.kv.Bucket(), enc)
		if err == nil {
			return string(v) == id, nil
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return false, mapErr(err)
		}
		select {
		case <-ctx.Done():
			return false, mapErr(ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
