package natsbus

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/gojinn/gojinn/host"
)

func openQueue(t testing.TB, b *Bus, cfg QueueConfig) *Queue {
	t.Helper()
	q, err := OpenQueue(context.Background(), b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func consume(t *testing.T, q *Queue, n int, run RunFunc, ev Events) *Consumer {
	t.Helper()
	c, err := q.Consume(n, run, ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(5 * time.Second) })
	return c
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestBackoffDoublesWithinJitterUpToCap(t *testing.T) {
	q := &Queue{cfg: QueueConfig{BackoffFirst: time.Second, BackoffCap: 5 * time.Second}}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second, 9: 5 * time.Second} {
		for range 100 {
			if d := q.Backoff(attempt); d < want*8/10 || d > want*12/10 {
				t.Fatalf("attempt %d: %v, want %v ±20%%", attempt, d, want)
			}
		}
	}
}

// TestQueueRetriesThenDeadLetters: a job failing every time runs
// max_attempts times with delays between, then is a dead letter with its
// reason and stderr tail, gone from the queue; requeued, it runs again
// with the same id.
func TestQueueRetriesThenDeadLetters(t *testing.T) {
	ctx := context.Background()
	q := openQueue(t, openBus(t, Config{}), QueueConfig{Name: "q", MaxAttempts: 3, BackoffFirst: 50 * time.Millisecond, BackoffCap: time.Second})
	var mu sync.Mutex
	var attempts []int
	var times []time.Time
	fail := true
	dead := make(chan struct{}, 1)
	ran := make(chan string, 10)
	consume(t, q, 2, func(_ context.Context, j *Job) Outcome {
		mu.Lock()
		defer mu.Unlock()
		attempts, times = append(attempts, j.Attempt), append(times, time.Now())
		ran <- j.ID
		if fail {
			return Outcome{Reason: "boom", StderrTail: "line1\nline2"}
		}
		return Outcome{OK: true}
	}, Events{Dead: func() { dead <- struct{}{} }})

	id, err := q.Enqueue(ctx, &Job{Method: "POST", URI: "/x", Headers: map[string][]string{"Authorization": {"secret"}}, Body: []byte("hi")}, "")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-dead:
	case <-time.After(30 * time.Second):
		t.Fatal("the job did not die")
	}
	mu.Lock()
	if fmt.Sprint(attempts) != "[1 2 3]" {
		t.Fatalf("attempts %v, want [1 2 3]", attempts)
	}
	if times[1].Sub(times[0]) < 40*time.Millisecond || times[2].Sub(times[1]) < 80*time.Millisecond {
		t.Fatalf("retries came before their backoff: %v", times)
	}
	fail = false
	mu.Unlock()

	d, err := q.DeadJob(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Reason != "boom" || d.StderrTail != "line1\nline2" || d.Attempts != 3 || string(d.Body) != "hi" || d.Headers["Authorization"][0] != "secret" || d.URI != "/x" {
		t.Fatalf("dead letter %+v", d)
	}
	st, err := q.Stats(ctx)
	if err != nil || st.Pending != 0 || st.InFlight != 0 || st.Dead != 1 {
		t.Fatalf("stats %+v %v: want only one dead letter", st, err)
	}
	if s, _ := q.State(ctx, id); s.State != StateDead || s.Attempts != 3 || s.Reason != "boom" {
		t.Fatalf("state %+v", s)
	}
	list, next, err := q.Dead(ctx, 0, 10)
	if err != nil || len(list) != 1 || next != 0 || list[0].ID != id {
		t.Fatalf("dead list %+v next %d %v", list, next, err)
	}

	if err := q.Requeue(ctx, id); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		<-ran // the three failed runs
	}
	if got := <-ran; got != id {
		t.Fatalf("requeued job ran as %s, want %s", got, id)
	}
	waitFor(t, "the requeued job done", func() bool { s, _ := q.State(ctx, id); return s.State == StateDone })
	if _, err := q.DeadJob(ctx, id); err != host.ErrNotFound {
		t.Fatalf("dead letter after requeue: %v, want not found", err)
	}
}

// TestQueueIdempotencyAndLimits: the same idempotency key gives the same
// job once; a job over max_job_size is too large; a full queue is
// unavailable.
func TestQueueIdempotencyAndLimits(t *testing.T) {
	ctx := context.Background()
	q := openQueue(t, openBus(t, Config{}), QueueConfig{Name: "lim", MaxJobs: 2, MaxJobSize: 1000})
	a, err := q.Enqueue(ctx, &Job{Method: "POST", URI: "/"}, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := q.Enqueue(ctx, &Job{Method: "POST", URI: "/"}, "key-1")
	if err != nil || a != b {
		t.Fatalf("second enqueue with the key: %q %v, want %q", b, err, a)
	}
	if st, _ := q.Stats(ctx); st.Pending != 1 {
		t.Fatalf("pending %d, want 1", st.Pending)
	}
	_, err = q.Enqueue(ctx, &Job{Method: "POST", URI: "/", Body: make([]byte, 1001)}, "")
	wantErr(t, "a job over max_job_size", err, host.ErrTooLarge)
	c, err := q.Enqueue(ctx, &Job{Method: "POST", URI: "/"}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = q.Enqueue(ctx, &Job{Method: "POST", URI: "/"}, "")
	wantErr(t, "a job past max_jobs", err, host.ErrUnavailable)
	for _, id := range []string{a, c} {
		waitFor(t, "the state queued", func() bool { s, _ := q.State(ctx, id); return s.State == StateQueued && s.Queue == "lim" })
	}
}

// TestQueueStopKeepsUnfinishedJobs: a run still going past the grace
// period is canceled and its job stays queued: another consumer runs it
// (after the ack wait) to completion.
func TestQueueStopKeepsUnfinishedJobs(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, Config{})
	cfg := QueueConfig{Name: "stop", AckWait: 500 * time.Millisecond}
	q := openQueue(t, b, cfg)
	started := make(chan struct{})
	c, err := q.Consume(1, func(ctx context.Context, _ *Job) Outcome {
		close(started)
		<-ctx.Done()
		return Outcome{Reason: "canceled"}
	}, Events{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := q.Enqueue(ctx, &Job{Method: "POST", URI: "/"}, "")
	if err != nil {
		t.Fatal(err)
	}
	<-started
	if c.Stop(100 * time.Millisecond) {
		t.Fatal("Stop says the blocked run finished")
	}
	got := make(chan *Job, 1)
	consume(t, openQueue(t, b, cfg), 1, func(_ context.Context, j *Job) Outcome {
		got <- j
		return Outcome{OK: true}
	}, Events{})
	select {
	case j := <-got:
		if j.ID != id || j.Attempt != 2 {
			t.Fatalf("job %s attempt %d, want %s attempt 2", j.ID, j.Attempt, id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the unfinished job was lost")
	}
}

// TestQueueUnansweredLastAttemptIsDead: a job whose last attempt never
// answered (its consumer stopped mid-run, as a killed process would) is
// not delivered again by JetStream: the MAX_DELIVERIES advisory moves it
// to the dead letters, out of the queue.
func TestQueueUnansweredLastAttemptIsDead(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, Config{})
	cfg := QueueConfig{Name: "lost", MaxAttempts: 1, AckWait: 300 * time.Millisecond}
	q := openQueue(t, b, cfg)
	started := make(chan struct{})
	c, err := q.Consume(1, func(ctx context.Context, _ *Job) Outcome {
		close(started)
		<-ctx.Done()
		return Outcome{Reason: "canceled"}
	}, Events{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := q.Enqueue(ctx, &Job{Method: "POST", URI: "/"}, "")
	if err != nil {
		t.Fatal(err)
	}
	<-started
	c.Stop(0)
	dead := make(chan struct{}, 1)
	consume(t, openQueue(t, b, cfg), 1, func(context.Context, *Job) Outcome {
		t.Error("a job past max_attempts ran again")
		return Outcome{OK: true}
	}, Events{Dead: func() { dead <- struct{}{} }})
	select {
	case <-dead:
	case <-time.After(30 * time.Second):
		t.Fatal("the unanswered job did not reach the dead letters")
	}
	d, err := q.DeadJob(ctx, id)
	if err != nil || d.Attempts != 1 || d.Reason == "" {
		t.Fatalf("dead letter %+v, %v", d, err)
	}
	if st, _ := q.Stats(ctx); st.Pending != 0 || st.InFlight != 0 {
		t.Fatalf("stats %+v: the job is still in the queue", st)
	}
}

// TestQueueStatesDiscardOld: a full state bucket drops its oldest records
// and keeps taking new ones.
func TestQueueStatesDiscardOld(t *testing.T) {
	ctx := context.Background()
	q := openQueue(t, openBus(t, Config{}), QueueConfig{Name: "states"})
	info, err := q.bus.shared.js.Stream(ctx, "KV_gojinn_jobs")
	if err != nil {
		t.Fatal(err)
	}
	if d := info.CachedInfo().Config.Discard; d != jetstream.DiscardOld {
		t.Fatalf("the state bucket discards %v, want old", d)
	}
}
