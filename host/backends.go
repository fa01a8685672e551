package host

import (
	"context"
	"net/http"
	"time"
)

// KV is a key-value backend (natsbus implements it on JetStream). Store
// names and keys reach it already checked (docs/host-abi.md); grants are
// checked before it is called. Errors are the Err* of this package,
// wrapped or not.
type KV interface {
	// Get returns the key's value and revision, or ErrNotFound.
	Get(ctx context.Context, store, key string) (value []byte, rev uint64, err error)
	// Set writes the key; ttl > 0 makes it expire. It returns the new revision.
	Set(ctx context.Context, store, key string, value []byte, ttl time.Duration) (rev uint64, err error)
	// Create writes the key only if it is absent, else ErrExists.
	Create(ctx context.Context, store, key string, value []byte, ttl time.Duration) (rev uint64, err error)
	// Update writes the key only if its revision is rev, else ErrConflict
	// (ErrNotFound when absent).
	Update(ctx context.Context, store, key string, value []byte, rev uint64) (newRev uint64, err error)
	// Delete removes the key; absent is not an error.
	Delete(ctx context.Context, store, key string) error
	// Increment adds by to the key's decimal value (absent: 0) atomically
	// and returns the new value; ErrInvalid if it is not a decimal integer
	// or would overflow.
	Increment(ctx context.Context, store, key string, by int64) (int64, error)
	// Keys returns up to limit keys starting with prefix, in byte order,
	// after the key after ("" from the start), and whether more follow.
	Keys(ctx context.Context, store, prefix, after string, limit int) (keys []string, more bool, err error)
}

// FetchRequest is a guest's outbound request, as decoded from the ABI.
type FetchRequest struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// FetchResponse is what a Fetcher got: the whole body, already capped.
type FetchResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// Fetcher sends a handler's outbound requests under its allow-list and
// limits (host/fetch implements it). It returns ErrDenied for what the
// allow-list refuses, ErrTooLarge for a body over its cap, ErrTimeout,
// ErrUnavailable; ctx is the run's, done when the run is stopped.
type Fetcher interface {
	Fetch(ctx context.Context, req *FetchRequest) (*FetchResponse, error)
}

// Queue adds jobs to the gojinn app's queues (the app implements it on
// JetStream). Queue names reach it already checked and granted; body and
// header are the caller's to keep.
type Queue interface {
	// Enqueue stores one job of queue and returns its id: at most
	// MaxJobID bytes, stable across the job's attempts. ErrUnavailable
	// when the queue is full or cannot be reached, ErrTooLarge for a body
	// over the queue's max_job_size, ErrNotFound for a queue the app
	// lacks.
	Enqueue(ctx context.Context, queue string, body []byte, header http.Header) (jobID string, err error)
}
