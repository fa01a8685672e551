package meter

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/tetratelabs/wazero"
)

// handlerRequests are the requests BenchmarkHandlerBuilds sends, as the
// host writes them: a GET with the headers curl sends through a proxy, and
// the json-api example's POST.
var handlerRequests = map[string]string{
	"hello-as": `{"method":"GET","uri":"/hello-as/x?name=Ana","headers":{"Accept":["*/*"],"User-Agent":["curl/8.5.0"],` +
		`"X-Forwarded-For":["127.0.0.1"],"X-Forwarded-Host":["127.0.0.1:8080"],"X-Forwarded-Proto":["http"]},"body":"",` +
		`"trace_id":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","host":"127.0.0.1:8080","remote_addr":"127.0.0.1:40000","proto":"HTTP/1.1"}`,
	"json-api-as": `{"method":"POST","uri":"/json-api-as","headers":{"Accept":["*/*"],"Content-Length":["40"],"Content-Type":["application/json"],` +
		`"User-Agent":["curl/8.5.0"]},"body":"{\"name\":\"Ana\",\"email\":\"ana@example.com\"}",` +
		`"trace_id":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","host":"127.0.0.1:8080","remote_addr":"127.0.0.1:40000","proto":"HTTP/1.1"}`,
}

// BenchmarkHandlerBuilds is the per-request time of the hello-as and
// json-api-as examples, instrumented and run as the sandbox runs them
// (wazero directly, refuel, no termination checks): one instance per
// request. With GOJINN_BUILDS=dir it compares builds of the same handlers,
// dir/<build>/<handler>.wasm, one of them named "base" (e.g. the SDK with
// one hand-written part replaced by a simpler one): the builds run in turn
// within each iteration, so that all see the same machine load, must answer
// exactly as base does, and each reports its time and its ratio to base.
// Without it, it measures the examples as built by make examples.
//
//	GOJINN_BUILDS=/tmp/builds go test -run '^$' -bench BenchmarkHandlerBuilds -benchtime 2000x ./sandbox/meter/
func BenchmarkHandlerBuilds(b *testing.B) {
	for _, handler := range []string{"hello-as", "json-api-as"} {
		b.Run(handler, func(b *testing.B) {
			builds := map[string]string{"base": filepath.Join(testguest.Root(), "examples", handler, "build", "handler.wasm")}
			if dir := os.Getenv("GOJINN_BUILDS"); dir != "" {
				entries, err := os.ReadDir(dir)
				if err != nil {
					b.Fatal(err)
				}
				builds = map[string]string{}
				for _, e := range entries {
					builds[e.Name()] = filepath.Join(dir, e.Name(), handler+".wasm")
				}
			}
			names := slices.Sorted(func(yield func(string) bool) {
				for name := range builds {
					if !yield(name) {
						return
					}
				}
			})
			rt := newHost(b, true)
			compiled := make([]wazero.CompiledModule, len(names))
			for i, name := range names {
				wasm, err := os.ReadFile(builds[name])
				if err != nil {
					b.Skipf("run make examples: %v", err)
				}
				if compiled[i], err = rt.CompileModule(context.Background(), mustInstrument(b, wasm)); err != nil {
					b.Fatal(err)
				}
			}
			base := slices.Index(names, "base")
			if base < 0 {
				b.Fatalf("no build named base among %v", names)
			}
			stdin := []byte(handlerRequests[handler])
			want := runStart(b, rt, compiled[base], "_start", stdin, &Budget{}, time.Minute)
			if want.err != "" || want.exit > 0 {
				b.Fatalf("base: %+v", want)
			}
			spent := make([][]time.Duration, len(names))
			fuel := make([]int64, len(names))
			// Lean runs, as the sandbox's: one config, stdout reused.
			cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions().WithArgs("handler.wasm")
			var stdout bytes.Buffer
			ctx := context.Background()
			var budget Budget
			ctx = context.WithValue(ctx, budgetKey{}, &budget)
			for b.Loop() {
				for i := range names {
					start := time.Now()
					stdout.Reset()
					budget = Budget{}
					mod, err := rt.InstantiateModule(ctx, compiled[i], cfg.WithStdin(bytes.NewReader(stdin)).WithStdout(&stdout))
					if err == nil {
						_, err = mod.ExportedFunction("_start").Call(ctx)
						fuel[i] = budget.Consumed(int64(mod.ExportedGlobal(FuelExport).Get()))
						_ = mod.Close(ctx)
					}
					spent[i] = append(spent[i], time.Since(start))
					if stdout.String() != want.stdout || err != nil {
						b.Fatalf("%s answers %q (%v), base %q", names[i], stdout.String(), err, want.stdout)
					}
				}
			}
			// Medians: a run that another process interrupted does not count.
			medians := make([]float64, len(names))
			for i, runs := range spent {
				slices.Sort(runs)
				medians[i] = float64(runs[len(runs)/2].Nanoseconds()) / 1000
			}
			for i, name := range names {
				b.ReportMetric(medians[i], "µs-median-"+name)
				b.ReportMetric(float64(fuel[i]), "fuel-"+name+"/op")
				if i != base {
					b.ReportMetric(medians[i]/medians[base], "x-"+name)
				}
			}
		})
	}
}
