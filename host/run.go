package host

import (
	"context"
	"sync"
	"time"
)

// Access is what a grant allows on a key-value store.
type Access uint8

// The access a `kv` grant gives (docs/caddyfile.md).
const (
	// Read allows kv_get and kv_keys.
	Read Access = iota + 1
	// ReadWrite also allows every write.
	ReadWrite
)

// Limits of the ABI (docs/host-abi.md) and the defaults of the grants.
const (
	MaxStoreName         = 64       // bytes of a store name
	MaxKey               = 1024     // bytes of a key (and of a kv_keys prefix)
	MaxPageKeys          = 1000     // keys in one kv_keys page
	MaxPageBytes         = 64 << 10 // bytes of keys in one kv_keys page
	DefaultMaxValue      = 1 << 20  // kv_max_value
	DefaultMaxFetchCalls = 50       // fetch_max_calls
	MaxJobID             = 64       // bytes of a job id: enqueue's id buffer holds it
	DefaultMaxJobSize    = 1 << 20  // bytes of a job's body (max_job_size)
)

// Grants is what one handler may use: built once from its config and
// shared by all its runs, which only read it.
type Grants struct {
	// KV maps each granted store to its access; a store not in it is
	// denied.
	KV map[string]Access
	// MaxValue caps a value written to a store, in bytes (over it:
	// too_large); 0 means DefaultMaxValue.
	MaxValue int
	// Fetcher sends the handler's outbound requests under its allow-list
	// and limits; nil: fetch is denied.
	Fetcher Fetcher
	// MaxFetchCalls caps fetch calls per run (past it: limit); 0 means
	// DefaultMaxFetchCalls.
	MaxFetchCalls int
	// Queues holds the queues the handler may enqueue jobs to (the
	// `enqueue` grant); a queue not in it is denied.
	Queues map[string]bool
	// MaxJobSize caps an enqueued job's body, in bytes (over it:
	// too_large); 0 means DefaultMaxJobSize.
	MaxJobSize int
	// AI answers ai_chat (the `ai` grant); nil: ai_chat is denied.
	AI AI
	// SQL maps each granted database to its connection under the grant
	// (the `sql` grant); a database not in it is denied.
	SQL map[string]SQL
	// Objects maps each granted object store to its grant (the `objects`
	// grant); a store not in it is denied.
	Objects map[string]ObjectGrant
}

// Run is the state of one run that the `gojinn` functions use: attach it
// to the context given to sandbox.Runner.Run (or Slot.Run) with WithRun,
// and Close it when the run has ended. A call in a context without a Run
// (a pooled instance before its request came) is denied.
type Run struct {
	// Handler names the handler, for the Denied and Observe callbacks'
	// users; the functions themselves do not read it.
	Handler string
	// Grants are the handler's; nil grants nothing.
	Grants *Grants
	// KV is the key-value backend; nil makes granted calls unavailable.
	KV KV
	// Queue takes the jobs of enqueue; nil makes granted calls
	// unavailable.
	Queue Queue
	// Log writes one host_log line: level 3 is error, any other info.
	// msg is the guest's memory, valid only during the call: copy what
	// you keep. nil drops the lines.
	Log func(level int, msg []byte)
	// Denied, when set, is told of each denied call (one
	// log line each, docs/host-abi.md): the function and why, e.g.
	// `store "users" is not granted`.
	Denied func(function, reason string)
	// Observe, when set, gets every call's function, status and duration
	// (gojinn_host_calls_total, gojinn_host_call_duration_seconds).
	Observe func(function string, st Status, d time.Duration)

	mu         sync.Mutex // guards the fields below, against Close
	fetchCalls int
	responses  []*response // by handle - 1; nil when closed
}

// response is one fetch's result, held for fetch_head and fetch_body.
type response struct {
	head, body []byte
}

type runKey struct{}

// WithRun returns ctx carrying r for the host functions.
func WithRun(ctx context.Context, r *Run) context.Context {
	return context.WithValue(ctx, runKey{}, r)
}

// runOf returns the Run of a call's context, or nil.
func runOf(ctx context.Context) *Run {
	r, _ := ctx.Value(runKey{}).(*Run)
	return r
}

// Close frees the run's fetch responses; handles are invalid afterwards.
// Call it once the run has ended.
func (r *Run) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responses = nil
}

// access is the run's grant on store: 0 when not granted.
func (r *Run) access(store []byte) Access {
	if r.Grants == nil {
		return 0
	}
	return r.Grants.KV[string(store)]
}

func (r *Run) maxValue() int {
	if r.Grants == nil || r.Grants.MaxValue <= 0 {
		return DefaultMaxValue
	}
	return r.Grants.MaxValue
}

func (r *Run) maxJobSize() int {
	if r.Grants.MaxJobSize <= 0 {
		return DefaultMaxJobSize
	}
	return r.Grants.MaxJobSize
}

func (r *Run) maxFetchCalls() int {
	if r.Grants.MaxFetchCalls <= 0 {
		return DefaultMaxFetchCalls
	}
	return r.Grants.MaxFetchCalls
}

// deny reports a denied call and returns StatusDenied.
func (r *Run) deny(function, reason string) Status {
	if r.Denied != nil {
		r.Denied(function, reason)
	}
	return StatusDenied
}
