package sandbox_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
)

// testHost is a host module "testhost" for these tests: see(phase)
// records the value of requestKey in its call's context, before (phase 0)
// or after (1) the guest read its request; block waits for its call's
// context to be done and records whether it was.
type testHost struct {
	instantiated atomic.Int32
	mu           sync.Mutex
	seen         [2][]any
	stopped      chan bool
}

type requestKey struct{}

// stopped has room for the calls of the instances a closing pool discards.
func newTestHost() *testHost { return &testHost{stopped: make(chan bool, 8)} }

func (h *testHost) Name() string { return "testhost" }

func (h *testHost) Instantiate(ctx context.Context, rt wazero.Runtime) error {
	h.instantiated.Add(1)
	_, err := rt.NewHostModuleBuilder("testhost").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(h.see), []api.ValueType{api.ValueTypeI32}, nil).Export("see").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(h.block), nil, nil).Export("block").
		Instantiate(ctx)
	return err
}

func (h *testHost) see(ctx context.Context, _ api.Module, stack []uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	phase := min(stack[0], 1)
	h.seen[phase] = append(h.seen[phase], ctx.Value(requestKey{}))
}

func (h *testHost) block(ctx context.Context, _ api.Module, _ []uint64) {
	select {
	case <-ctx.Done():
		h.stopped <- true
	case <-time.After(30 * time.Second): // the run's stop never reached the call
		h.stopped <- false
	}
}

// seenIn returns what the calls of phase saw so far.
func (h *testHost) seenIn(phase int) []any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]any(nil), h.seen[phase]...)
}

func compileWith(t *testing.T, guest string, h sandbox.HostModule) *sandbox.Module {
	t.Helper()
	path := testguest.WAT(t, guest)
	m, err := sandbox.Compile(context.Background(), path, testguest.Read(t, path), sandbox.Options{}, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

// A host function sees the values of the context the run was given, in
// a fresh run and in a pooled one; a pooled instance's call before its
// request arrived sees none.
func TestHostCallsSeeRequestValues(t *testing.T) {
	for _, pool := range []int{0, 1} {
		h := newTestHost()
		r := sandbox.NewRunner(compileWith(t, "hostprobe", h), sandbox.RunnerConfig{PoolSize: pool})
		var after, fresh []any // every run's value; the fresh runs'
		pooled := 0
		for i := 0; len(after) < 3 || (pool > 0 && pooled < 3); i++ {
			if i == 100 {
				t.Fatalf("pool %d: %d of 100 runs took a pooled instance", pool, pooled)
			}
			if pool > 0 {
				waitStartups(t, h, pooled+1)
			}
			ctx := context.WithValue(context.Background(), requestKey{}, i)
			res := r.Run(ctx, hello, nil)
			if res.Err != nil || (pool == 0 && res.Pooled) {
				t.Fatalf("pool %d: %v, pooled %v", pool, res.Err, res.Pooled)
			}
			after = append(after, i)
			if res.Pooled {
				pooled++
			} else {
				fresh = append(fresh, i)
			}
		}
		got := h.seenIn(1)
		r.Close() // its discarded instances call too: their stdin is closed
		if fmt.Sprint(got) != fmt.Sprint(after) {
			t.Errorf("pool %d: host calls after the request saw %v, want %v", pool, got, after)
		}
		// Before the request: a fresh run's call has its values, a pooled
		// instance's start-up none.
		var before []any
		for _, v := range h.seenIn(0) {
			if v != nil {
				before = append(before, v)
			}
		}
		if fmt.Sprint(before) != fmt.Sprint(fresh) {
			t.Errorf("pool %d: host calls before the request saw %v, want %v and nils", pool, h.seenIn(0), fresh)
		}
	}
}

// waitStartups waits until n pooled instances made their start-up call
// (seeing no values).
func waitStartups(t *testing.T, h *testHost, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		started := 0
		for _, v := range h.seenIn(0) {
			if v == nil {
				started++
			}
		}
		if started >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pool did not start instance %d", n)
		}
	}
}

// A run stopped while its guest is in a blocking host call (timeout,
// client gone) has that call's context done, fresh and pooled.
func TestStoppedRunEndsHostCall(t *testing.T) {
	for _, pool := range []int{0, 1} {
		h := newTestHost()
		r := sandbox.NewRunner(compileWith(t, "hostblock", h), sandbox.RunnerConfig{
			PoolSize: pool, Limits: sandbox.RunLimits{Timeout: 200 * time.Millisecond},
		})
		if res := r.Run(context.Background(), hello, nil); res.Outcome != sandbox.OutcomeTimeout {
			t.Fatalf("pool %d: outcome %s (%v), want timeout", pool, res.Outcome, res.Err)
		}
		if !<-h.stopped {
			t.Fatalf("pool %d: the host call's context was not done when the run timed out", pool)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		if res := r.Run(ctx, hello, nil); res.Outcome != sandbox.OutcomeCanceled {
			t.Fatalf("pool %d: outcome %s (%v), want canceled", pool, res.Outcome, res.Err)
		}
		if !<-h.stopped {
			t.Fatalf("pool %d: the host call's context was not done when the client went away", pool)
		}
		r.Close()
	}
}

// Imports of a host module are resolved at Compile by name and signature,
// and the error names the import.
func TestHostImportErrors(t *testing.T) {
	cases := []struct{ guest, want string }{
		{"hostbadcall", "the module imports testhost.nope: testhost has no such function"},
		{"hostbadsig", "the module imports testhost.see as (func (param []) (result [i32])): it is (func (param [i32]) (result []))"},
		{"hostprobe", "the module imports testhost.see: only wasi_snapshot_preview1 functions are available"}, // no host module given
		{"badimport", "the module imports env.secret: only wasi_snapshot_preview1, testhost functions are available"},
	}
	for _, tc := range cases {
		var hosts []sandbox.HostModule
		if tc.guest != "hostprobe" {
			hosts = append(hosts, newTestHost())
		}
		path := testguest.WAT(t, tc.guest)
		_, err := sandbox.Compile(context.Background(), path, testguest.Read(t, path), sandbox.Options{}, hosts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.guest, err, tc.want)
		}
	}
}

// A module that does not import a host module does not get it: nothing
// is instantiated, and Imports says so.
func TestHostModuleOnlyWhenImported(t *testing.T) {
	h := newTestHost()
	m := compileWith(t, "ok", h)
	if n := h.instantiated.Load(); n != 0 || m.Imports("testhost") {
		t.Fatalf("ok.wat: testhost instantiated %d times, Imports = %v; want 0, false", n, m.Imports("testhost"))
	}
	if !m.Imports("wasi_snapshot_preview1") {
		t.Fatal("ok.wat: Imports(wasi_snapshot_preview1) = false")
	}
	m = compileWith(t, "hostprobe", h)
	if n := h.instantiated.Load(); n != 1 || !m.Imports("testhost") {
		t.Fatalf("hostprobe.wat: testhost instantiated %d times, Imports = %v; want 1, true", n, m.Imports("testhost"))
	}
}
