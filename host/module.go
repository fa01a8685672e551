package host

import (
	"context"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/sandbox"
)

// ModuleName is the import module of the host ABI.
const ModuleName = "gojinn"

// Module returns the `gojinn` import module (docs/host-abi.md) for
// sandbox.Compile: a module importing it gets every function of the ABI,
// which finds its run through the call's context (WithRun).
func Module() sandbox.HostModule { return module{} }

type module struct{}

func (module) Name() string { return ModuleName }

// call is one ABI function's body: it returns the status the guest gets.
type call func(ctx context.Context, r *Run, g *guest) Status

// function is one entry of the ABI.
type function struct {
	name            string
	params, results []api.ValueType
	body            call
	// backend: the call may wait on a backend, which then gets a
	// callContext rather than the run's context.
	backend bool
}

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// functions is the ABI, version 1.3, in the order of docs/host-abi.md.
var functions = []function{
	{"host_log", []api.ValueType{i32, i32, i32}, nil, hostLog, false},
	{"kv_get", []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}, kvGet, true},
	{"kv_set", []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}, kvSet, true},
	{"kv_create", []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}, kvCreate, true},
	{"kv_update", []api.ValueType{i32, i32, i32, i32, i32, i32, i64, i32}, []api.ValueType{i32}, kvUpdate, true},
	{"kv_delete", []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}, kvDelete, true},
	{"kv_increment", []api.ValueType{i32, i32, i32, i32, i64, i32}, []api.ValueType{i32}, kvIncrement, true},
	{"kv_keys", []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}, kvKeys, true},
	{"fetch", []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}, fetch, true},
	{"fetch_head", []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}, fetchHead, false},
	{"fetch_body", []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}, fetchBody, false},
	{"fetch_close", []api.ValueType{i32}, []api.ValueType{i32}, fetchClose, false},
	// Added in version 1.1.
	{"enqueue", []api.ValueType{i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}, enqueue, true},
	// Added in version 1.2.
	{"ai_chat", []api.ValueType{i32, i32, i32}, []api.ValueType{i32}, aiChat, true},
	// Added in version 1.3.
	{"sql_query", []api.ValueType{i32, i32, i32}, []api.ValueType{i32}, sqlQuery, true},
	{"sql_exec", []api.ValueType{i32, i32, i32}, []api.ValueType{i32}, sqlExec, true},
	{"object_get", []api.ValueType{i32, i32, i32}, []api.ValueType{i32}, objectGet, true},
	{"object_head", []api.ValueType{i32, i32, i32}, []api.ValueType{i32}, objectHead, true},
	{"object_put", []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}, objectPut, true},
	{"object_delete", []api.ValueType{i32, i32}, []api.ValueType{i32}, objectDelete, true},
	{"object_list", []api.ValueType{i32, i32, i32}, []api.ValueType{i32}, objectList, true},
}

// Functions lists the names of the ABI's functions, in the order of
// docs/host-abi.md: the values of the `function` metric label.
var Functions = func() []string {
	names := make([]string, len(functions))
	for i, f := range functions {
		names[i] = f.name
	}
	return names
}()

// Instantiate adds the functions to rt as Go module functions: ~75 ns a
// call, where reflection (WithFunc) costs ~20x more.
func (module) Instantiate(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(ModuleName)
	for _, f := range functions {
		b.NewFunctionBuilder().WithGoModuleFunction(bind(f), f.params, f.results).Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// bind makes f callable by wazero: it finds the run (none: denied),
// returns f's status in the first result (host_log has none) and reports
// the call to the run's Observe.
func bind(f function) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		r := runOf(ctx)
		if r == nil {
			if len(f.results) > 0 {
				stack[0] = uint64(StatusDenied)
			}
			return
		}
		var t0 time.Time
		if r.Observe != nil {
			t0 = time.Now()
		}
		if f.backend {
			callCtx, release := callContext(ctx)
			defer release()
			ctx = callCtx
		}
		g := newGuest(mod, stack)
		st := f.body(ctx, r, &g)
		if len(f.results) > 0 {
			stack[0] = uint64(st)
		}
		if r.Observe != nil {
			r.Observe(f.name, st, time.Since(t0))
		}
	}
}
