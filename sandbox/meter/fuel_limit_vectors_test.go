package meter

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuelLimitVector is one entry of testdata/meter/fuel-limit-vectors.json:
// a request to testdata/meter/fuel-guest.wat (stdin as the TypeScript
// harness sends it) run under a fuel limit, how the run ends ("ok" or
// "fuel_exhausted") and the fuel it used, at its end or where it was
// stopped. sdk-ts's fuel test runs the same vectors through invoke with
// fuelLimit. They live in a file of their own: TestFuelVectors -update
// rewrites fuel-vectors.json with only the fields it knows.
type fuelLimitVector struct {
	Description string          `json:"description"`
	Request     json.RawMessage `json:"request"`
	Stdin       string          `json:"stdin"`
	FuelLimit   int64           `json:"fuel_limit"`
	Outcome     string          `json:"outcome"`
	Fuel        int64           `json:"fuel"`
}

// TestFuelLimitVectors: under each vector's limit the Go host's run ends as
// recorded, having used the recorded fuel, whatever the slice size (so the
// harness, which hands out one slice as large as the limit allows, agrees).
func TestFuelLimitVectors(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "meter")
	wasm := fuelGuest(t, dir)
	file := filepath.Join(dir, "fuel-limit-vectors.json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var vectors []fuelLimitVector
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatal(err)
	}
	rt := newHost(t, true)
	compiled := compileInstrumented(t, rt, wasm)
	outcomes := map[string]bool{}
	for i, v := range vectors {
		type ending struct {
			outcome string
			fuel    int64
		}
		var first *ending
		for _, slice := range []int64{0, 1, 7, 1 << 60} {
			budget := &Budget{Limit: v.FuelLimit, Slice: slice}
			o := runStart(t, rt, compiled, "_start", []byte(v.Stdin), budget, time.Minute)
			got := ending{"ok", o.fuel}
			switch {
			case strings.Contains(o.err, ErrFuelExhausted.Error()) || budget.Exceeded(o.fuel):
				got.outcome = "fuel_exhausted"
			case o.err != "" || o.stdout != `{"status":200,"body":"ok"}`:
				t.Fatalf("%s, slice %d: %+v", v.Description, slice, o)
			}
			if first == nil {
				first = &got
			} else if got != *first {
				t.Fatalf("%s: slice %d: %s after %d units; default slice: %s after %d",
					v.Description, slice, got.outcome, got.fuel, first.outcome, first.fuel)
			}
		}
		outcomes[first.outcome] = true
		if *update {
			vectors[i].Outcome, vectors[i].Fuel = first.outcome, first.fuel
		} else if first.outcome != v.Outcome || first.fuel != v.Fuel {
			t.Errorf("%s: %s after %d units, want %s after %d", v.Description, first.outcome, first.fuel, v.Outcome, v.Fuel)
		}
	}
	if !outcomes["ok"] || !outcomes["fuel_exhausted"] {
		t.Errorf("the vectors must have both outcomes, have %v", outcomes)
	}
	if *update {
		out, _ := json.MarshalIndent(vectors, "", "  ")
		if err := os.WriteFile(file, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
