package meter

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/tetratelabs/wazero"
)

const guestRequest = `{"method":"POST","uri":"/x?y=1","headers":{"Content-Type":["application/json"]},"body":"{\"name\":\"Ana\",\"email\":\"ana@example.com\"}"}`

// guestWasm returns every guest the project has, by name: the WAT test
// guests and the standard Go guests built now, and the AssemblyScript
// handlers built by `make examples`.
func guestWasm(t *testing.T) map[string][]byte {
	t.Helper()
	root := testguest.Root()
	guests := map[string][]byte{}
	wats, _ := filepath.Glob(filepath.Join(root, "testdata", "guests", "*.wat"))
	for _, p := range wats {
		name := strings.TrimSuffix(filepath.Base(p), ".wat")
		guests[name] = testguest.Read(t, testguest.WAT(t, name))
	}
	guests["echo-go"] = testguest.Read(t, testguest.Go(t, "echo-go"))
	guests["hello-go"] = testguest.Read(t, testguest.Go(t, "examples/hello-go"))
	for _, p := range []string{"examples/hello-as", "examples/json-api-as", "examples/router-as", "contract/handler"} {
		b, err := os.ReadFile(filepath.Join(root, p, "build", "handler.wasm"))
		if err != nil {
			t.Fatalf("%s is not built (run `make examples`): %v", p, err)
		}
		guests[p] = b
	}
	return guests
}

// TestGuestsBehaveTheSame runs every guest instrumented (with fuel that
// never runs out) and as it is, and requires the same stdout, stderr, exit
// code and trap; and the same fuel from two instrumented runs.
func TestGuestsBehaveTheSame(t *testing.T) {
	// The plain side runs without wazero's termination checks (20x slower
	// on the compute-heavy guests), except for the endless guests, which
	// only they can stop.
	checked, unchecked, metered := newHost(t, false), newHost(t, true), newHost(t, true)
	for name, wasm := range guestWasm(t) {
		t.Run(name, func(t *testing.T) {
			// Endless guests meet the wall-clock bound on both sides; the
			// others get a bound they never meet, even under -race.
			plain, bound := unchecked, time.Minute
			if name == "loop" || name == "flood" || name == "spinstart" {
				plain, bound = checked, 2*time.Second
			}
			inst, err := Instrument(wasm)
			if name == "badmeter" { // uses the import metering reserves
				if err == nil || !strings.Contains(err.Error(), "reserves") {
					t.Fatalf("Instrument: got %v, want the reserved-name refusal", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := runGuest(t, plain, wasm, nil, bound)
			got := runGuest(t, metered, inst, &Budget{}, bound)
			// wazero's default clocks and random source are deterministic:
			// with the same inputs, a run always uses the same fuel.
			again := runGuest(t, metered, inst, &Budget{Slice: 1000}, bound)
			if again.fuel != got.fuel && want.err != "stopped at the wall-clock bound" {
				t.Errorf("fuel %d, then %d with the same inputs", got.fuel, again.fuel)
			}
			got.fuel = 0
			if got != want {
				t.Errorf("instrumented:\n%+v\nwant (as it is):\n%+v", got, want)
			}
		})
	}
}

func runGuest(t *testing.T, rt wazero.Runtime, wasm []byte, b *Budget, bound time.Duration) outcome {
	t.Helper()
	compiled, err := rt.CompileModule(context.Background(), wasm)
	if err != nil {
		return outcome{err: "compile"}
	}
	defer compiled.Close(context.Background())
	return runStart(t, rt, compiled, "_start", []byte(guestRequest), b, bound)
}
