package natsbus

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/gojinn/gojinn/host"
)

// Defaults of QueueConfig.
const (
	DefaultMaxAttempts  = 5
	DefaultBackoffFirst = time.Second
	DefaultBackoffCap   = 5 * time.Minute
	DefaultMaxJobs      = 1_000_000
	DefaultQueueBytes   = 1 << 30 // 1 GiB per queue and per dead-letter stream
	DefaultMaxJobSize   = 1 << 20 // 1 MiB
	// DefaultStateTTL is how long a job's state record stays after its
	// last change (GET /gojinn/jobs/<id>).
	DefaultStateTTL = 24 * time.Hour
	// DuplicateWindow is how long an idempotency key de-duplicates:
	// JetStream's message-id window on the queue's stream.
	DuplicateWindow = 24 * time.Hour
)

// Message headers of a stored job.
const (
	hdrJobID    = "Gojinn-Job-Id"
	hdrRequest  = "Gojinn-Request"     // JSON: method, uri, headers
	hdrEnqueued = "Gojinn-Enqueued-At" // Unix nanoseconds
	hdrDead     = "Gojinn-Dead"        // JSON: DeadInfo
)

// Job states, as the job's state record (JobState) holds them.
const (
	StateQueued   = "queued"
	StateRunning  = "running"
	StateRetrying = "retrying"
	StateDone     = "done"
	StateDead     = "dead"
)

// QueueConfig shapes one queue: a work-queue stream, its durable pull
// consumer and its dead-letter stream.
type QueueConfig struct {
	// Prefix starts the names of the streams and the state bucket
	// (DefaultPrefix when "").
	Prefix string
	// Name is the queue's name: 1 to 64 letters, digits, '_' or '-'.
	Name string
	// MaxAttempts is how many times a job runs before it is dead.
	MaxAttempts int
	// BackoffFirst is the delay before the second attempt; it doubles per
	// attempt up to BackoffCap, with ±20 % jitter.
	BackoffFirst, BackoffCap time.Duration
	// AckWait is how long a delivered job may stay unanswered before
	// JetStream delivers it again (the process died mid-run).
	AckWait time.Duration
	// MaxJobs and MaxBytes cap the queue, and separately its dead
	// letters; an enqueue past them fails with host.ErrUnavailable.
	MaxJobs, MaxBytes int64
	// MaxJobSize caps a job's body and request line with its headers;
	// larger is host.ErrTooLarge.
	MaxJobSize int64
	// StateTTL is how long a job's state record lives after its last
	// change.
	StateTTL time.Duration
}

// Job is one stored request.
type Job struct {
	// ID names the job, the same on every attempt.
	ID string `json:"id"`
	// Method, URI and Headers are the request's as enqueued; Headers are
	// stored whole (the run needs them) and redacted in every view.
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers,omitempty"`
	// Body is the request's body.
	Body []byte `json:"-"`
	// Attempt is 1 on the first run.
	Attempt int `json:"-"`
	// EnqueuedAt is when the job was first accepted.
	EnqueuedAt time.Time `json:"enqueued_at"`
}

// Outcome is how a run of a job ended: OK acknowledges it, otherwise it
// is retried or, at its last attempt, dead.
type Outcome struct {
	OK         bool
	Reason     string
	StderrTail string
}

// Queue is one job queue on JetStream.
type Queue struct {
	cfg     QueueConfig
	bus     *Bus
	stream  string
	subject string
	dead    string // the dead-letter stream
	deadSub string // its subjects' prefix: deadSub + "." + job id
	work    jetstream.Stream
	deadS   jetstream.Stream
	cons    jetstream.Consumer
	states  jetstream.KeyValue
	// stateSubject is the states bucket's subject prefix: + job id.
	stateSubject string
}

const consumerName = "workers"

// OpenQueue creates (or updates) the queue's streams, consumer and the
// job state bucket.
func OpenQueue(ctx context.Context, bus *Bus, cfg QueueConfig) (*Queue, error) {
	if !storePattern.MatchString(cfg.Name) {
		return nil, fmt.Errorf("natsbus: queue name %q: want 1 to 64 letters, digits, '_' or '-'", cfg.Name)
	}
	if !prefixPattern.MatchString(cfg.Prefix) {
		return nil, fmt.Errorf("natsbus: prefix %q: want at most 32 letters, digits, '_' or '-'", cfg.Prefix)
	}
	cfg.applyDefaults()
	if limit := int64(bus.shared.nc.MaxPayload()) - headroom; cfg.MaxJobSize > limit {
		return nil, fmt.Errorf("natsbus: queue %s: max job size %d is over the NATS max payload less 64 KiB (%d)", cfg.Name, cfg.MaxJobSize, limit)
	}
	q := &Queue{
		cfg: cfg, bus: bus,
		stream:       cfg.Prefix + "queue_" + cfg.Name,
		subject:      cfg.Prefix + "queue." + cfg.Name,
		dead:         cfg.Prefix + "queue_" + cfg.Name + "_dead",
		deadSub:      cfg.Prefix + "dead." + cfg.Name,
		stateSubject: "$KV." + cfg.Prefix + "jobs.",
	}
	js := bus.shared.js
	var err error
	q.work, err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        q.stream,
		Description: "Gojinn queue " + cfg.Name,
		Subjects:    []string{q.subject},
		Retention:   jetstream.WorkQueuePolicy,
		Discard:     jetstream.DiscardNew,
		MaxMsgs:     cfg.MaxJobs,
		MaxBytes:    cfg.MaxBytes,
		MaxMsgSize:  int32(cfg.MaxJobSize + headroom),
		Duplicates:  DuplicateWindow,
		Storage:     jetstream.FileStorage,
		Replicas:    bus.shared.replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("natsbus: queue %s: stream: %w", cfg.Name, err)
	}
	q.deadS, err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name:        q.dead,
		Description: "Gojinn queue " + cfg.Name + ": dead letters",
		Subjects:    []string{q.deadSub + ".*"},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		MaxMsgs:     cfg.MaxJobs,
		MaxBytes:    cfg.MaxBytes,
		Duplicates:  2 * time.Minute,
		Storage:     jetstream.FileStorage,
		Replicas:    bus.shared.replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("natsbus: queue %s: dead-letter stream: %w", cfg.Name, err)
	}
	q.cons, err = ensureConsumer(ctx, js, q.stream, jetstream.ConsumerConfig{
		Durable:       consumerName,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    cfg.MaxAttempts,
		MaxAckPending: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("natsbus: queue %s: consumer: %w", cfg.Name, err)
	}
	q.states, err = ensureKV(ctx, js, jetstream.KeyValueConfig{
		Bucket:      cfg.Prefix + "jobs",
		Description: "Gojinn job states",
		History:     1,
		TTL:         cfg.StateTTL,
		MaxBytes:    StateMaxBytes,
		Replicas:    bus.shared.replicas,
	})
	if err == nil {
		err = discardOldStates(ctx, js, "KV_"+cfg.Prefix+"jobs")
	}
	if err != nil {
		return nil, fmt.Errorf("natsbus: queue %s: job state bucket: %w", cfg.Name, err)
	}
	return q, nil
}

// StateMaxBytes caps the job state bucket: about a million records.
const StateMaxBytes = 256 << 20

// discardOldStates makes the full state bucket drop its oldest records
// rather than refuse new ones (a KV bucket is created refusing): the
// states of new jobs matter more than those of old ones.
func discardOldStates(ctx context.Context, js jetstream.JetStream, stream string) error {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return err
	}
	cfg := s.CachedInfo().Config
	if cfg.Discard == jetstream.DiscardOld {
		return nil
	}
	cfg.Discard = jetstream.DiscardOld
	_, err = ensure(ctx, func(ctx context.Context) (jetstream.Stream, error) { return js.UpdateStream(ctx, cfg) })
	return err
}

func (cfg *QueueConfig) applyDefaults() {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BackoffFirst <= 0 {
		cfg.BackoffFirst = DefaultBackoffFirst
	}
	if cfg.BackoffCap <= 0 {
		cfg.BackoffCap = max(DefaultBackoffCap, cfg.BackoffFirst)
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = time.Minute
	}
	if cfg.MaxJobs <= 0 {
		cfg.MaxJobs = DefaultMaxJobs
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultQueueBytes
	}
	if cfg.MaxJobSize <= 0 {
		cfg.MaxJobSize = DefaultMaxJobSize
	}
	if cfg.StateTTL <= 0 {
		cfg.StateTTL = DefaultStateTTL
	}
}

// Backoff is the delay after a failed attempt (1 for the first): the
// first delay doubled per attempt, capped, within ±20 % jitter.
func (q *Queue) Backoff(attempt int) time.Duration {
	d := q.cfg.BackoffFirst
	for i := 1; i < attempt && d < q.cfg.BackoffCap; i++ {
		d *= 2
	}
	d = min(d, q.cfg.BackoffCap)
	return time.Duration(float64(d) * (0.8 + 0.4*mrand.Float64()))
}

// MaxJobSize is the queue's cap on a job's size.
func (q *Queue) MaxJobSize() int64 { return q.cfg.MaxJobSize }

// Name is the queue's name.
func (q *Queue) Name() string { return q.cfg.Name }

// requestMeta is what a job stores of its request beside the body.
type requestMeta struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers,omitempty"`
}

// Enqueue stores job and returns its id. With an idempotency key the id
// is derived from it, and a second enqueue with the key (within
// DuplicateWindow) returns the same id without storing a second job.
// A full queue is host.ErrUnavailable; a job over MaxJobSize
// host.ErrTooLarge.
func (q *Queue) Enqueue(ctx context.Context, job *Job, idempotencyKey string) (string, error) {
	meta, err := json.Marshal(requestMeta{Method: job.Method, URI: job.URI, Headers: job.Headers})
	if err != nil {
		return "", fmt.Errorf("natsbus: %w", err)
	}
	if int64(len(job.Body)+len(meta)) > q.cfg.MaxJobSize {
		return "", fmt.Errorf("%w: the job is larger than max_job_size (%d bytes)", host.ErrTooLarge, q.cfg.MaxJobSize)
	}
	id := newJobID()
	msg := nats.NewMsg(q.subject)
	if idempotencyKey != "" {
		sum := sha256.Sum256([]byte(q.cfg.Name + "\x00" + idempotencyKey))
		id = hex.EncodeToString(sum[:12])
		msg.Header.Set(jetstream.MsgIDHeader, id)
	}
	now := time.Now()
	msg.Header.Set(hdrJobID, id)
	msg.Header.Set(hdrRequest, string(meta))
	msg.Header.Set(hdrEnqueued, strconv.FormatInt(now.UnixNano(), 10))
	msg.Data = job.Body
	// The state record is written before the job, which may run (and
	// write its own) as soon as it is published.
	if idempotencyKey == "" {
		// A fresh id: without waiting for JetStream's answer (one round
		// trip less per enqueue); the connection keeps the order, so the
		// record is stored before the job can be delivered.
		q.postState(id, JobState{State: StateQueued})
	} else {
		// Only if absent: a duplicate must not reset its job's state.
		q.createState(ctx, id, JobState{State: StateQueued})
	}
	ack, err := q.bus.shared.js.PublishMsg(ctx, msg)
	if err != nil {
		return "", queueErr(err)
	}
	job.ID = id
	if !ack.Duplicate { // EnqueuedAt stays zero for a duplicate
		job.EnqueuedAt = now
	}
	return id, nil
}

// queueErr maps a publish error: a full stream is unavailable (503).
func queueErr(err error) error {
	var api *jetstream.APIError
	if errors.As(err, &api) && api.ErrorCode == codeStoreFailed {
		return fmt.Errorf("%w: the queue is full: %v", host.ErrUnavailable, err)
	}
	return mapErr(err)
}

// JobState is a job's state record, kept StateTTL after its last change.
type JobState struct {
	ID       string    `json:"id"`
	Queue    string    `json:"queue"`
	State    string    `json:"state"`
	Attempts int       `json:"attempts"`
	Reason   string    `json:"last_reason,omitempty"`
	Updated  time.Time `json:"updated"`
}

// setState writes a job's state record; a failure only loses a view.
func (q *Queue) setState(ctx context.Context, id string, s JobState) {
	s.ID, s.Queue, s.Updated = id, q.cfg.Name, time.Now().UTC()
	b, _ := json.Marshal(s)
	_, _ = q.states.Put(ctx, id, b)
}

// createState writes a job's state record if it has none.
func (q *Queue) createState(ctx context.Context, id string, s JobState) {
	s.ID, s.Queue, s.Updated = id, q.cfg.Name, time.Now().UTC()
	b, _ := json.Marshal(s)
	_, _ = q.states.Create(ctx, id, b)
}

// postState writes a job's state record without waiting for it to be
// stored.
func (q *Queue) postState(id string, s JobState) {
	s.ID, s.Queue, s.Updated = id, q.cfg.Name, time.Now().UTC()
	b, _ := json.Marshal(s)
	_ = q.bus.shared.nc.Publish(q.stateSubject+id, b)
}

// State returns a job's state record; host.ErrNotFound when it has none
// (unknown, or older than StateTTL).
func (q *Queue) State(ctx context.Context, id string) (JobState, error) {
	var s JobState
	if !keyPattern.MatchString(id) {
		return s, host.ErrNotFound
	}
	e, err := q.states.Get(ctx, id)
	if err != nil {
		return s, mapErr(err)
	}
	err = json.Unmarshal(e.Value(), &s)
	return s, err
}

// keyPattern is what a job id may look like.
var keyPattern = storePattern

// decodeJob reads a stored job from a message's headers and data.
func decodeJob(h nats.Header, data []byte) (*Job, error) {
	var meta requestMeta
	if err := json.Unmarshal([]byte(h.Get(hdrRequest)), &meta); err != nil {
		return nil, fmt.Errorf("natsbus: a stored job's request: %w", err)
	}
	ns, _ := strconv.ParseInt(h.Get(hdrEnqueued), 10, 64)
	return &Job{
		ID: h.Get(hdrJobID), Method: meta.Method, URI: meta.URI, Headers: meta.Headers,
		Body: data, EnqueuedAt: time.Unix(0, ns),
	}, nil
}

// newJobID is a random job id: 24 hex digits.
func newJobID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
