package natsbus

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// failoverRetry is the pause between two attempts of a call that found
// its store without a leader.
const failoverRetry = 250 * time.Millisecond

// failover runs op, a call on a store, again while the store has no
// leader, until ctx ends. When the node leading a replicated store dies,
// its other replicas elect a new leader, which takes nats-server's Raft
// election timeout (4 to 9 seconds); meanwhile nothing answers the
// store's subjects ("no responders": the request reached no server, so
// asking again cannot apply it twice). With one replica there is no
// election to wait for, and op's error is returned at once.
func failover[T any](ctx context.Context, s *shared, op func() (T, error)) (T, error) {
	for {
		v, err := op()
		if s.replicas <= 1 || !errors.Is(err, jetstream.ErrNoStreamResponse) && !errors.Is(err, nats.ErrNoResponders) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(failoverRetry):
		}
	}
}
