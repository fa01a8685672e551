package natsbus

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ensureAttempt bounds the first attempt of a create-or-update; each
// next one waits twice as long, up to 8 times this.
const ensureAttempt = time.Second

// ensure runs create, a JetStream create-or-update of a stream, bucket or
// consumer, again after an attempt that got no answer within
// its bound (ensureAttempt, doubling), while ctx lasts. In a cluster, identical creates sent
// at once by several nodes (every node provisions the same queues at
// start) can leave the object created and the requests unanswered
// (nats-server issue #3677, seen again with 2.15.3); a create-or-update
// is idempotent, so asking again is safe, and answered at once.
func ensure[T any](ctx context.Context, create func(context.Context) (T, error)) (T, error) {
	for wait := ensureAttempt; ; wait = min(2*wait, 8*ensureAttempt) {
		attempt, cancel := context.WithTimeout(ctx, wait)
		v, err := create(attempt)
		cancel()
		if err == nil || !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return v, err
		}
	}
}

// ensureStream creates or updates a stream (ensure).
func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return ensure(ctx, func(ctx context.Context) (jetstream.Stream, error) { return js.CreateOrUpdateStream(ctx, cfg) })
}

// ensureKV creates or updates a KV bucket (ensure).
func ensureKV(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return ensure(ctx, func(ctx context.Context) (jetstream.KeyValue, error) { return js.CreateOrUpdateKeyValue(ctx, cfg) })
}

// ensureConsumer creates or updates a stream's consumer (ensure).
func ensureConsumer(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return ensure(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
		return js.CreateOrUpdateConsumer(ctx, stream, cfg)
	})
}
