package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
)

func compile(t testing.TB, path string, opts sandbox.Options) *sandbox.Module {
	t.Helper()
	m, err := sandbox.Compile(context.Background(), path, testguest.Read(t, path), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

func runner(t testing.TB, guest string, cfg sandbox.RunnerConfig) *sandbox.Runner {
	t.Helper()
	r := sandbox.NewRunner(compile(t, testguest.WAT(t, guest), sandbox.Options{}), cfg)
	t.Cleanup(r.Close)
	return r
}

var hello = &sandbox.Request{Method: "GET", URI: "/", TraceID: "t1"}

func TestOutcomes(t *testing.T) {
	lim := sandbox.RunLimits{Timeout: 300 * time.Millisecond, MaxOutput: 64 << 10}
	cases := []struct {
		guest   string
		outcome sandbox.Outcome
		reason  string
	}{
		{"ok", sandbox.OutcomeOK, ""},
		{"exit0", sandbox.OutcomeOK, ""},
		{"exit3", sandbox.OutcomeExitError, "code 3"},
		{"trap", sandbox.OutcomeTrap, "unreachable"},
		{"recurse", sandbox.OutcomeTrap, "stack"},
		{"loop", sandbox.OutcomeTimeout, "timeout"},
		{"flood", sandbox.OutcomeOutputLimit, "65536 bytes"},
		{"garbage", sandbox.OutcomeContractError, "does not start"},
		{"two", sandbox.OutcomeContractError, "more after"},
	}
	for _, pooled := range []bool{false, true} {
		for _, tc := range cases {
			name := tc.guest
			if pooled {
				name += "/pooled"
			}
			t.Run(name, func(t *testing.T) {
				cfg := sandbox.RunnerConfig{Limits: lim}
				if tc.guest == "recurse" {
					cfg.Limits.Timeout = 20 * time.Second // overflowing wazero's stack takes a while
				}
				if pooled {
					cfg.PoolSize = 2
				}
				r := runner(t, tc.guest, cfg)
				res := r.Run(context.Background(), hello, nil)
				if res.Outcome != tc.outcome {
					t.Fatalf("outcome = %s (%v), want %s", res.Outcome, res.Err, tc.outcome)
				}
				if tc.outcome == sandbox.OutcomeOK {
					if res.Response.Status != 200 || string(res.Response.Body) != "ok" {
						t.Fatalf("response = %d %q", res.Response.Status, res.Response.Body)
					}
					return
				}
				if res.Response != nil || !strings.Contains(res.Err.Error(), tc.reason) {
					t.Fatalf("err = %v (response %v), want reason with %q", res.Err, res.Response, tc.reason)
				}
			})
		}
	}
}

func TestCanceledStopsGuest(t *testing.T) {
	for _, pool := range []int{0, 1} {
		r := runner(t, "loop", sandbox.RunnerConfig{PoolSize: pool})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		res := r.Run(ctx, hello, nil)
		if res.Outcome != sandbox.OutcomeCanceled {
			t.Fatalf("pool %d: outcome = %s (%v), want canceled", pool, res.Outcome, res.Err)
		}
	}
}

// A guest's global counter must read 1 on every run: no instance, memory
// or global is reused, also under concurrency and with a pool.
func TestFreshInstanceEveryRun(t *testing.T) {
	for _, pool := range []int{0, 4} {
		r := runner(t, "counter", sandbox.RunnerConfig{PoolSize: pool})
		var wg sync.WaitGroup
		errs := make(chan string, 300)
		for range 300 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := r.Run(context.Background(), hello, nil)
				if res.Err != nil {
					errs <- res.Err.Error()
				} else if string(res.Response.Body) != "1" {
					errs <- "counter = " + string(res.Response.Body)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatalf("pool %d: a run saw another's state: %v", pool, e)
		}
	}
}

func TestMemoryLimit(t *testing.T) {
	for _, pages := range []uint32{3, 10, 160} {
		m := compile(t, testguest.WAT(t, "grow"), sandbox.Options{MemoryLimitPages: pages})
		res := sandbox.NewRunner(m, sandbox.RunnerConfig{}).Run(context.Background(), hello, nil)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if want := fmt.Sprintf("%05d", pages); string(res.Response.Body) != want {
			t.Fatalf("limit %d pages: guest reached %s pages", pages, res.Response.Body)
		}
		if res.MemoryBytes != uint64(pages)*sandbox.PageSize {
			t.Fatalf("MemoryBytes = %d, want %d", res.MemoryBytes, pages*sandbox.PageSize)
		}
	}
}

func TestStderr(t *testing.T) {
	for _, pool := range []int{0, 1} {
		r := runner(t, "stderr", sandbox.RunnerConfig{PoolSize: pool})
		var buf bytes.Buffer
		res := r.Run(context.Background(), hello, &buf)
		if res.Outcome != sandbox.OutcomeTrap || buf.String() != "guest says hello on stderr\n" {
			t.Fatalf("pool %d: outcome %s, stderr %q", pool, res.Outcome, buf.String())
		}
	}
}

func TestOverload(t *testing.T) {
	r := runner(t, "loop", sandbox.RunnerConfig{
		MaxConcurrency: 1, QueueTimeout: 50 * time.Millisecond,
		Limits: sandbox.RunLimits{Timeout: 2 * time.Second},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A blocker keeps the only slot busy with runs that only end when canceled.
	go func() {
		for ctx.Err() == nil {
			r.Run(ctx, hello, nil)
		}
	}()
	for range 100 {
		probe, stop := context.WithTimeout(context.Background(), 100*time.Millisecond)
		res := r.Run(probe, hello, nil)
		stop()
		if res.Outcome == sandbox.OutcomeOverload {
			if res.QueueWait <= 0 {
				t.Fatal("QueueWait not measured")
			}
			return
		}
	}
	t.Fatal("never saw overload")
}

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		name string
		wasm []byte
		want string
	}{
		{"garbage", []byte("not wasm at all"), "not a valid WebAssembly module"},
		{"nostart", testguest.Read(t, testguest.WAT(t, "nostart")), "no _start"},
		{"badimport", testguest.Read(t, testguest.WAT(t, "badimport")), "env.secret"},
		{"badcall", testguest.Read(t, testguest.WAT(t, "badcall")), "imports wasi_snapshot_preview1.no_such_call: wasi_snapshot_preview1 has no such function"},
		{"badsig", testguest.Read(t, testguest.WAT(t, "badsig")), "imports wasi_snapshot_preview1.fd_write as (func (param [i32]) (result [i32])): it is (func (param [i32 i32 i32 i32]) (result [i32]))"},
		{"badglobal", testguest.Read(t, testguest.WAT(t, "badglobal")), "imports the global wasi_snapshot_preview1.answer"},
		{"badtable", testguest.Read(t, testguest.WAT(t, "badtable")), "imports the table env.table"},
		{"badmemory", testguest.Read(t, testguest.WAT(t, "badmemory")), "imports the memory env.memory"},
		{"bigmemory", testguest.Read(t, testguest.WAT(t, "bigmemory")), "needs more memory than memory_limit allows: 3000 pages of 64KiB initially, the limit is 1953"},
		{"badmeter", testguest.Read(t, testguest.WAT(t, "badmeter")), `the module cannot be metered: meter: section 2: the module already imports from "gojinn_meter", which metering reserves`},
	}
	for _, tc := range cases {
		_, err := sandbox.Compile(context.Background(), "/srv/"+tc.name+".wasm", tc.wasm, sandbox.Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/srv/"+tc.name+".wasm") {
			t.Errorf("%s: err = %v, want the file name and %q", tc.name, err, tc.want)
		}
	}
}

// Past MaxQueue waiting runs, Acquire fails at once with OutcomeOverload;
// the waiting ones get their slots in turn, and a Slot runs once.
func TestQueueCap(t *testing.T) {
	r := runner(t, "ok", sandbox.RunnerConfig{MaxConcurrency: 1, MaxQueue: 2, QueueTimeout: time.Minute})
	held, err := r.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan sandbox.Result, 2)
	for range 2 {
		go func() {
			slot, err := r.Acquire(context.Background())
			if err != nil {
				results <- sandbox.Result{Err: err}
				return
			}
			results <- slot.Run(context.Background(), hello, nil)
		}()
	}
	// A canceled caller is refused as overloaded once both waiters are queued
	// (before that it queues and is canceled).
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, err := r.Acquire(gone)
		if sandbox.OutcomeOf(err) == sandbox.OutcomeOverload {
			break
		}
		if sandbox.OutcomeOf(err) != sandbox.OutcomeCanceled || time.Now().After(deadline) {
			t.Fatalf("third waiter: %v, want overload", err)
		}
		time.Sleep(time.Millisecond)
	}
	held.Release()
	held.Release() // a second release gives nothing back twice
	for range 2 {
		res := <-results
		if res.Err != nil || string(res.Response.Body) != "ok" || res.QueueWait <= 0 {
			t.Fatalf("queued run: %v, wait %s", res.Err, res.QueueWait)
		}
	}
	if res := held.Run(context.Background(), hello, nil); res.Err == nil {
		t.Fatal("a released slot ran")
	}
	slot, err := r.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res := slot.Run(context.Background(), hello, nil); res.Err != nil {
		t.Fatal(res.Err)
	}
	slot.Release() // after Run: nothing more to give back
	if res := slot.Run(context.Background(), hello, nil); res.Err == nil {
		t.Fatal("a slot ran twice")
	}
	if res := r.Run(context.Background(), hello, nil); res.Err != nil {
		t.Fatalf("slots leaked: %v", res.Err)
	}
}

// signal is a guest's stderr that closes ch on the first write.
type signal struct {
	once sync.Once
	ch   chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

func (s *signal) Write(p []byte) (int, error) {
	s.once.Do(func() { close(s.ch) })
	return len(p), nil
}

// Closing a module while runs use it (a config reload) lets them finish
// with their normal answer, on memory nothing else is given meanwhile; the
// module is released after the last one, and later runs are refused.
func TestCloseWhileRunning(t *testing.T) {
	for _, pool := range []int{0, 2} {
		m, err := sandbox.Compile(context.Background(), "slow", testguest.Read(t, testguest.WAT(t, "slow")), sandbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := sandbox.NewRunner(m, sandbox.RunnerConfig{PoolSize: pool})
		fresh := runner(t, "dirty", sandbox.RunnerConfig{PoolSize: pool})
		results := make(chan sandbox.Result, 3)
		var started []*signal
		for range 3 {
			s := newSignal()
			started = append(started, s)
			go func() { results <- r.Run(context.Background(), hello, s) }()
		}
		for _, s := range started {
			<-s.ch
		}
		r.Close()
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Meanwhile other runs get memory; none may be one still in use.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res := fresh.Run(context.Background(), hello, nil)
				if res.Err != nil || string(res.Response.Body) != "clean" {
					t.Errorf("pool %d: a fresh run during the close: %v %v", pool, res.Err, res.Response)
					return
				}
			}
		}()
		for range 3 {
			res := <-results
			if res.Err != nil || string(res.Response.Body) != "slow-1" {
				t.Errorf("pool %d: a run in flight during Close: %v %v", pool, res.Err, res.Response)
			}
		}
		close(stop)
		wg.Wait()
		if res := r.Run(context.Background(), hello, nil); res.Outcome != sandbox.OutcomeOverload {
			t.Fatalf("pool %d: a run after the close: %s (%v), want overload", pool, res.Outcome, res.Err)
		}
	}
}

// instantiated is an Observer that signals each instance created (pooled
// ones start their _start right after).
type instantiated struct{ ch chan struct{} }

func (o instantiated) ObserveInstantiate(time.Duration) {
	select {
	case o.ch <- struct{}{}:
	default:
	}
}
func (instantiated) SandboxStarted()                {}
func (instantiated) SandboxFinished()               {}
func (instantiated) ObserveQueueWait(time.Duration) {}
func (instantiated) ObserveMemory(uint64)           {}
func (instantiated) ObserveFuel(int64)              {}
func (instantiated) SetPoolReady(int)               {}

// A guest sleeping (30 s) is stopped at once by its timeout, by its client
// going away and by its pool closing: no stopped run waits for a sleep.
// The bounds are sanity bounds, far below the sleep and far above the stop.
func TestSleepingGuestStopped(t *testing.T) {
	const bound = 10 * time.Second
	for _, pool := range []int{0, 1} {
		r := runner(t, "sleep", sandbox.RunnerConfig{PoolSize: pool, Limits: sandbox.RunLimits{Timeout: 100 * time.Millisecond}})
		t0 := time.Now()
		if res := r.Run(context.Background(), hello, nil); res.Outcome != sandbox.OutcomeTimeout || time.Since(t0) > bound {
			t.Errorf("pool %d: timeout: %s (%v) after %s", pool, res.Outcome, res.Err, time.Since(t0))
		}

		r = runner(t, "sleep", sandbox.RunnerConfig{PoolSize: pool})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		t0 = time.Now()
		if res := r.Run(ctx, hello, nil); res.Outcome != sandbox.OutcomeCanceled || time.Since(t0) > bound {
			t.Errorf("pool %d: client gone: %s (%v) after %s", pool, res.Outcome, res.Err, time.Since(t0))
		}
	}

	obs := instantiated{ch: make(chan struct{}, 1)}
	r := sandbox.NewRunner(compile(t, testguest.WAT(t, "sleep"), sandbox.Options{}), sandbox.RunnerConfig{PoolSize: 1, Observer: obs})
	<-obs.ch
	time.Sleep(100 * time.Millisecond) // let its start-up reach the sleep
	t0 := time.Now()
	r.Close()
	if d := time.Since(t0); d > bound {
		t.Errorf("closing a pool whose instance sleeps took %s", d)
	}
}

// A pool whose instances' start-up passes its bound (the run timeout),
// whether in instantiation (a spinning start section) or in _start before
// the first read of stdin (a sleep), discards them, reports it once and
// stops; runs then instantiate on arrival and time out as runs.
func TestPoolStartupBound(t *testing.T) {
	const bound = 10 * time.Second
	for _, guest := range []string{"spinstart", "sleep"} {
		reports := make(chan string, 10)
		r := runner(t, guest, sandbox.RunnerConfig{
			PoolSize: 2, Limits: sandbox.RunLimits{Timeout: 100 * time.Millisecond},
			PoolStopped: func(reason string) { reports <- reason },
		})
		select {
		case reason := <-reports:
			if !strings.Contains(reason, "100ms") {
				t.Errorf("%s: reason %q does not name the bound", guest, reason)
			}
		case <-time.After(bound):
			t.Fatalf("%s: the pool never reported its start-up past the bound", guest)
		}
		res := r.Run(context.Background(), hello, nil)
		if res.Pooled || res.Outcome != sandbox.OutcomeTimeout {
			t.Errorf("%s: run after the pool stopped: pooled %v, %s (%v)", guest, res.Pooled, res.Outcome, res.Err)
		}
		time.Sleep(time.Second) // ten bounds: a pool retrying would report again
		if n := len(reports); n != 0 {
			t.Errorf("%s: %d more reports", guest, n)
		}
		t0 := time.Now()
		r.Close()
		if d := time.Since(t0); d > bound {
			t.Errorf("%s: closing took %s", guest, d)
		}
	}
}
