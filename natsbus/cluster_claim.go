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
	kv jetstream.KeyValue
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
	return &Claims{kv: kv}, nil
}

// Claim creates key, holding by (who claimed it, for an operator
// reading the bucket): true if this call created it, false if it
// existed. An error means NATS could not decide (no quorum): the caller
// must treat the event as not claimed.
func (c *Claims) Claim(ctx context.Context, key, by string) (bool, error) {
	_, err := c.kv.Create(ctx, encodeKey(key), []byte(by))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyExists):
		return false, nil
	}
	return false, mapErr(err)
}
