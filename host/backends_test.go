package host_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gojinn/gojinn/host"
)

// memoryKV is a host.KV in memory, for the tests: every write to a store
// takes the store's next revision, as JetStream's do.
type memoryKV struct {
	mu     sync.Mutex
	stores map[string]*memoryStore
	ttls   map[string]time.Duration // "store/key": the TTL of its last write
}

type memoryStore struct {
	rev     uint64
	entries map[string]memoryEntry
}

type memoryEntry struct {
	value []byte
	rev   uint64
}

func newMemoryKV() *memoryKV {
	return &memoryKV{stores: map[string]*memoryStore{}, ttls: map[string]time.Duration{}}
}

// load writes contents in store, keys in byte order: revisions 1, 2...
func (kv *memoryKV) load(store string, contents map[string]string) {
	keys := make([]string, 0, len(contents))
	for k := range contents {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		_, _ = kv.Set(context.Background(), store, k, []byte(contents[k]), 0)
	}
}

// contents is every store's keys and values.
func (kv *memoryKV) contents() map[string]map[string]string {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	out := map[string]map[string]string{}
	for name, s := range kv.stores {
		if len(s.entries) == 0 {
			continue
		}
		out[name] = map[string]string{}
		for k, e := range s.entries {
			out[name][k] = string(e.value)
		}
	}
	return out
}

func (kv *memoryKV) store(name string) *memoryStore {
	s := kv.stores[name]
	if s == nil {
		s = &memoryStore{entries: map[string]memoryEntry{}}
		kv.stores[name] = s
	}
	return s
}

func (kv *memoryKV) write(store, key string, value []byte, ttl time.Duration) uint64 {
	s := kv.store(store)
	s.rev++
	s.entries[key] = memoryEntry{value: value, rev: s.rev}
	kv.ttls[store+"/"+key] = ttl
	return s.rev
}

func (kv *memoryKV) Get(_ context.Context, store, key string) ([]byte, uint64, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	e, ok := kv.store(store).entries[key]
	if !ok {
		return nil, 0, host.ErrNotFound
	}
	return e.value, e.rev, nil
}

func (kv *memoryKV) Set(_ context.Context, store, key string, value []byte, ttl time.Duration) (uint64, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	return kv.write(store, key, value, ttl), nil
}

func (kv *memoryKV) Create(_ context.Context, store, key string, value []byte, ttl time.Duration) (uint64, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if _, ok := kv.store(store).entries[key]; ok {
		return 0, host.ErrExists
	}
	return kv.write(store, key, value, ttl), nil
}

func (kv *memoryKV) Update(_ context.Context, store, key string, value []byte, rev uint64) (uint64, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	e, ok := kv.store(store).entries[key]
	switch {
	case !ok:
		return 0, host.ErrNotFound
	case e.rev != rev:
		return 0, host.ErrConflict
	}
	return kv.write(store, key, value, 0), nil
}

func (kv *memoryKV) Delete(_ context.Context, store, key string) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	delete(kv.store(store).entries, key)
	return nil
}

func (kv *memoryKV) Increment(_ context.Context, store, key string, by int64) (int64, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	var n int64
	if e, ok := kv.store(store).entries[key]; ok {
		var err error
		if n, err = strconv.ParseInt(string(e.value), 10, 64); err != nil {
			return 0, fmt.Errorf("%w: %q is not a decimal integer", host.ErrInvalid, e.value)
		}
	}
	sum := n + by
	if (by > 0 && sum < n) || (by < 0 && sum > n) {
		return 0, fmt.Errorf("%w: overflow", host.ErrInvalid)
	}
	kv.write(store, key, []byte(strconv.FormatInt(sum, 10)), 0)
	return sum, nil
}

func (kv *memoryKV) Keys(_ context.Context, store, prefix, after string, limit int) ([]string, bool, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	var keys []string
	for k := range kv.store(store).entries {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > limit {
		return keys[:limit], true, nil
	}
	return keys, false, nil
}

// scriptedFetcher is a host.Fetcher for the tests: it records each
// request and answers with its replies in turn; block makes it wait for
// the run's context instead.
type scriptedFetcher struct {
	mu      sync.Mutex
	replies []fetchReply
	sent    []*host.FetchRequest
	block   bool
}

// fetchReply is one answer of a scriptedFetcher: a response, or the
// failure named by Error (a status name).
type fetchReply struct {
	Status  int         `json:"status"`
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
	Error   string      `json:"error"`
}

// errorsByName are the backend errors a reply can name.
var errorsByName = map[string]error{
	"denied": host.ErrDenied, "too_large": host.ErrTooLarge, "unavailable": host.ErrUnavailable,
	"timeout": host.ErrTimeout, "invalid": host.ErrInvalid, "io_error": fmt.Errorf("protocol error"),
}

func (f *scriptedFetcher) Fetch(ctx context.Context, req *host.FetchRequest) (*host.FetchResponse, error) {
	f.mu.Lock()
	f.sent = append(f.sent, req)
	block := f.block
	var reply fetchReply
	if len(f.replies) > 0 {
		reply, f.replies = f.replies[0], f.replies[1:]
	}
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if reply.Error != "" {
		return nil, errorsByName[reply.Error]
	}
	return &host.FetchResponse{Status: reply.Status, Header: reply.Headers, Body: []byte(reply.Body)}, nil
}

// memoryQueue is a host.Queue for the tests: it records the jobs, with
// ids job-1, job-2... (one sequence for all queues), and answers
// unavailable for the queues in full.
type memoryQueue struct {
	mu   sync.Mutex
	full []string
	jobs []job
}

// job is one job a memoryQueue took.
type job struct {
	Queue string   `json:"queue"`
	Body  byteSpec `json:"body"`
	ID    string   `json:"id"`
}

// String is the job as a test compares it (an empty body is the same
// whether nil or not).
func (j job) String() string { return fmt.Sprintf("%s %x %s", j.Queue, []byte(j.Body), j.ID) }

func (q *memoryQueue) Enqueue(_ context.Context, queue string, body []byte, _ http.Header) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if slices.Contains(q.full, queue) {
		return "", fmt.Errorf("queue %s is full: %w", queue, host.ErrUnavailable)
	}
	id := fmt.Sprintf("job-%d", len(q.jobs)+1)
	q.jobs = append(q.jobs, job{queue, body, id})
	return id, nil
}

// scriptedAI answers chat completions with its replies, in order (past
// them: unavailable), and records the requests.
type scriptedAI struct {
	mu       sync.Mutex
	replies  []aiReply
	requests []host.ChatRequest
}

// aiReply is one answer of a scriptedAI: a completion, or the failure
// named by Error (a status name).
type aiReply struct {
	Text             string `json:"text"`
	PromptTokens     uint32 `json:"prompt_tokens"`
	CompletionTokens uint32 `json:"completion_tokens"`
	Error            string `json:"error"`
}

func (a *scriptedAI) Chat(_ context.Context, req *host.ChatRequest) (*host.ChatAnswer, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, *req)
	if len(a.replies) == 0 {
		return nil, host.ErrUnavailable
	}
	reply := a.replies[0]
	a.replies = a.replies[1:]
	if reply.Error != "" {
		return nil, errorsByName[reply.Error]
	}
	return &host.ChatAnswer{Text: reply.Text, PromptTokens: reply.PromptTokens, CompletionTokens: reply.CompletionTokens}, nil
}

// chats are the requests the scriptedAI got.
func (a *scriptedAI) chats() []host.ChatRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]host.ChatRequest{}, a.requests...)
}
