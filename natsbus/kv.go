package natsbus

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/gojinn/gojinn/host"
)

// Defaults of KVConfig.
const (
	// DefaultPrefix starts every bucket's name.
	DefaultPrefix = "gojinn_"
	// DefaultMaxBytes caps each store (bucket): 1 GiB. JetStream reserves
	// a bucket's cap against the server's storage limit (by default 75% of
	// the disk space free when it starts) when the bucket is created.
	DefaultMaxBytes = 1 << 30
)

// markerTTL is how long a deletion's marker, or an expired key's, stays
// in a bucket; then nothing remains of the key. Deletions are purges with
// this TTL so that deleted keys do not pile up as tombstones.
const markerTTL = time.Minute

var (
	prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{0,32}$`)
	storePattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// KVConfig shapes the buckets of a KV.
type KVConfig struct {
	// Prefix starts every bucket's name (the store "sessions" is the bucket
	// "gojinn_sessions", the stream "KV_gojinn_sessions"). Default
	// DefaultPrefix; letters, digits, '_' and '-', at most 32.
	Prefix string
	// MaxBytes caps each bucket; a write past it fails with
	// host.ErrTooLarge. Default DefaultMaxBytes.
	MaxBytes int64
}

// KV is a set of key-value stores, each a JetStream KV bucket created on
// first use. It implements host.KV. Every call honours its context and
// fails at once with host.ErrUnavailable while NATS is unreachable.
type KV struct {
	bus      *Bus
	prefix   string
	maxBytes int64

	mu      sync.Mutex
	buckets map[string]jetstream.KeyValue

	// counters serialise this process's increments of a key and remember
	// its last value (increment.go).
	counters [counterStripes]counter
}

// Validate checks the prefix and the size cap.
func (cfg KVConfig) Validate() error {
	if !prefixPattern.MatchString(cfg.Prefix) {
		return fmt.Errorf("bucket prefix %q: want at most 32 letters, digits, '_' or '-'", cfg.Prefix)
	}
	if cfg.MaxBytes < 0 {
		return fmt.Errorf("store size cap %d is negative", cfg.MaxBytes)
	}
	return nil
}

// NewKV returns the stores of cfg on bus.
func NewKV(bus *Bus, cfg KVConfig) (*KV, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("natsbus: %w", err)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	return &KV{bus: bus, prefix: cfg.Prefix, maxBytes: cfg.MaxBytes, buckets: map[string]jetstream.KeyValue{}}, nil
}

// bucket returns the store's bucket, creating (or updating) it on its
// first use by this KV.
func (k *KV) bucket(ctx context.Context, store string) (jetstream.KeyValue, error) {
	if !storePattern.MatchString(store) {
		return nil, fmt.Errorf("%w: store name %q", host.ErrInvalid, store)
	}
	if k.bus.shared.nc.Status() != nats.CONNECTED {
		return nil, fmt.Errorf("%w: NATS connection %s", host.ErrUnavailable, k.bus.shared.nc.Status())
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if b := k.buckets[store]; b != nil {
		return b, nil
	}
	b, err := ensureKV(ctx, k.bus.shared.js, jetstream.KeyValueConfig{
		Bucket:         k.prefix + store,
		Description:    "Gojinn key-value store " + store,
		MaxBytes:       k.maxBytes,
		History:        1,
		LimitMarkerTTL: markerTTL,
		Replicas:       k.bus.shared.replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the store %s: %w", store, err)
	}
	k.buckets[store] = b
	return b, nil
}

// callTimeout bounds one call's round trips to NATS. A server that
// stopped answering mid-call (it crashed, the network split) makes the
// call unavailable after it, rather than a wait until the run's end; a
// healthy one answers in well under a millisecond.
const callTimeout = 10 * time.Second

// begin starts a call: its context, bounded by callTimeout, and end,
// which maps the call's error (deferred by every method). An error of
// the call's own timeout, the run's context still live, is unavailable;
// a bucket the server lost is forgotten, to be created again.
//
// The call's context is not derived from ctx: it only follows ctx's Done
// channel, read here, until the call ends. Deriving (context.WithTimeout
// and the contexts nats.go derives in turn) can leave goroutines that
// call ctx.Done() after the call returned, and the sandbox reuses a run's
// context once the run has ended: such a late call crashed Caddy.
func (k *KV) begin(ctx context.Context, store string) (context.Context, func(*error)) {
	callCtx, cancel := context.WithTimeout(context.Background(), callTimeout)
	if runDone := ctx.Done(); runDone != nil {
		if ctx.Err() != nil {
			cancel() // stopped already: fail at once
		}
		go func() {
			select {
			case <-runDone:
				cancel()
			case <-callCtx.Done():
			}
		}()
	}
	return callCtx, func(err *error) {
		cancel()
		if *err == nil {
			return
		}
		if errors.Is(*err, jetstream.ErrStreamNotFound) || errors.Is(*err, jetstream.ErrBucketNotFound) {
			k.mu.Lock()
			delete(k.buckets, store)
			k.mu.Unlock()
		}
		if errors.Is(*err, context.DeadlineExceeded) && ctx.Err() == nil {
			*err = fmt.Errorf("%w: NATS did not answer within %v", host.ErrUnavailable, callTimeout)
			return
		}
		*err = mapErr(*err)
	}
}

// checkKey refuses what the host should already have refused.
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", host.ErrInvalid)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: key of %d bytes (at most %d)", host.ErrTooLarge, len(key), MaxKeyLen)
	}
	return nil
}

// checkWrite checks a write's value and TTL and returns the TTL to use:
// JetStream's per-message TTL counts whole seconds.
func (k *KV) checkWrite(value []byte, ttl time.Duration) (time.Duration, error) {
	switch {
	case int64(len(value)) > k.bus.maxValue:
		return 0, fmt.Errorf("%w: value of %d bytes (at most %d)", host.ErrTooLarge, len(value), k.bus.maxValue)
	case ttl < 0:
		return 0, fmt.Errorf("%w: negative TTL", host.ErrInvalid)
	case ttl > 0 && ttl < time.Second:
		return time.Second, nil
	}
	return ttl, nil
}

// open checks a call's key and returns its store's bucket.
func (k *KV) open(ctx context.Context, store, key string) (jetstream.KeyValue, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return k.bucket(ctx, store)
}

// openWrite checks a write's key, value and TTL and returns its store's
// bucket and the TTL to use.
func (k *KV) openWrite(ctx context.Context, store, key string, value []byte, ttl time.Duration) (jetstream.KeyValue, time.Duration, error) {
	ttl, err := k.checkWrite(value, ttl)
	if err != nil {
		return nil, 0, err
	}
	b, err := k.open(ctx, store, key)
	return b, ttl, err
}

// Get returns the key's value and revision, or host.ErrNotFound.
func (k *KV) Get(ctx context.Context, store, key string) (value []byte, rev uint64, err error) {
	ctx, end := k.begin(ctx, store)
	defer end(&err)
	b, err := k.open(ctx, store, key)
	if err != nil {
		return nil, 0, err
	}
	return k.read(ctx, b, encodeKey(key))
}

// Set writes the key; ttl > 0 makes it expire (whole seconds, at least 1).
func (k *KV) Set(ctx context.Context, store, key string, value []byte, ttl time.Duration) (rev uint64, err error) {
	ctx, end := k.begin(ctx, store)
	defer end(&err)
	b, ttl, err := k.openWrite(ctx, store, key, value, ttl)
	if err != nil {
		return 0, err
	}
	var opts []jetstream.PublishOpt
	if ttl > 0 {
		opts = append(opts, jetstream.WithMsgTTL(ttl))
	}
	// kv.Put takes no TTL: publish to the key's subject as it does.
	msg := &nats.Msg{Subject: "$KV." + b.Bucket() + "." + encodeKey(key), Data: value}
	ack, err := failover(ctx, k.bus.shared, func() (*jetstream.PubAck, error) { return k.bus.shared.js.PublishMsg(ctx, msg, opts...) })
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// Create writes the key only if it is absent, else host.ErrExists.
func (k *KV) Create(ctx context.Context, store, key string, value []byte, ttl time.Duration) (rev uint64, err error) {
	ctx, end := k.begin(ctx, store)
	defer end(&err)
	b, ttl, err := k.openWrite(ctx, store, key, value, ttl)
	if err != nil {
		return 0, err
	}
	rev, err = failover(ctx, k.bus.shared, func() (uint64, error) { return b.Create(ctx, encodeKey(key), value, jetstream.KeyTTL(ttl)) })
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, host.ErrExists
	}
	return rev, err
}

// Update writes the key only if its revision is rev: host.ErrConflict if
// it has another, host.ErrNotFound if it is absent. The new value does
// not expire.
func (k *KV) Update(ctx context.Context, store, key string, value []byte, rev uint64) (newRev uint64, err error) {
	ctx, end := k.begin(ctx, store)
	defer end(&err)
	b, _, err := k.openWrite(ctx, store, key, value, 0)
	if err != nil {
		return 0, err
	}
	enc := encodeKey(key)
	if rev != 0 { // JetStream reads 0 as "absent": no revision is 0
		newRev, err = failover(ctx, k.bus.shared, func() (uint64, error) { return b.Update(ctx, enc, value, rev) })
		if !revisionConflict(err) {
			return newRev, err
		}
	}
	if _, _, err := k.read(ctx, b, enc); err != nil {
		return 0, err // not found, or why we could not tell
	}
	return 0, host.ErrConflict
}

// Delete removes the key; absent is not an error. It leaves a marker
// that JetStream removes after markerTTL.
func (k *KV) Delete(ctx context.Context, store, key string) (err error) {
	ctx, end := k.begin(ctx, store)
	defer end(&err)
	b, err := k.open(ctx, store, key)
	if err != nil {
		return err
	}
	_, err = failover(ctx, k.bus.shared, func() (struct{}, error) {
		return struct{}{}, b.Purge(ctx, encodeKey(key), jetstream.PurgeTTL(markerTTL))
	})
	return err
}

// Keys returns up to limit keys that start with prefix, in byte order,
// after the key after ("" from the start), and whether more follow. It
// reads every key of the store: its cost grows with the store, not with
// the page.
func (k *KV) Keys(ctx context.Context, store, prefix, after string, limit int) (keys []string, more bool, err error) {
	ctx, end := k.begin(ctx, store)
	defer end(&err)
	if limit <= 0 {
		return nil, false, fmt.Errorf("%w: page limit %d", host.ErrInvalid, limit)
	}
	b, err := k.bucket(ctx, store)
	if err != nil {
		return nil, false, err
	}
	w, err := b.WatchAll(ctx, jetstream.IgnoreDeletes(), jetstream.MetaOnly())
	if err != nil {
		return nil, false, err
	}
	defer w.Stop()
	for {
		var e jetstream.KeyValueEntry
		var open bool
		select {
		case e, open = <-w.Updates():
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		if !open {
			return nil, false, fmt.Errorf("%w: listing the keys of %s was cut off", host.ErrUnavailable, store)
		}
		if e == nil { // every key seen
			break
		}
		key, ok := decodeKey(e.Key())
		if ok && strings.HasPrefix(key, prefix) && key > after {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) > limit {
		return keys[:limit], true, nil
	}
	return keys, false, nil
}

// Interface guard.
var _ host.KV = (*KV)(nil)
