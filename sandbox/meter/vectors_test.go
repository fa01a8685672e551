package meter

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/meter/fuel-vectors.json with the fuel measured now")

// fuelVector is one entry of testdata/meter/fuel-vectors.json: a request
// to testdata/meter/fuel-guest.wat, the exact stdin the TypeScript
// harness sends for it, and the fuel the run uses. sdk-ts's fuel test
// runs the same vectors through invoke.
type fuelVector struct {
	Description string          `json:"description"`
	Request     json.RawMessage `json:"request"`
	Stdin       string          `json:"stdin"`
	Fuel        int64           `json:"fuel"`
}

// TestFuelVectors: the Go host's fuel for each vector is the recorded one
// (and so the harness's, which checks the same file).
func TestFuelVectors(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "meter")
	wasm := fuelGuest(t, dir)
	file := filepath.Join(dir, "fuel-vectors.json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var vectors []fuelVector
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatal(err)
	}
	rt := newHost(t, true)
	compiled := compileInstrumented(t, rt, wasm)
	for i, v := range vectors {
		o := runStart(t, rt, compiled, "_start", []byte(v.Stdin), &Budget{}, time.Minute)
		if o.err != "" || o.stdout != `{"status":200,"body":"ok"}` {
			t.Fatalf("%s: %+v", v.Description, o)
		}
		if *update {
			vectors[i].Fuel = o.fuel
		} else if o.fuel != v.Fuel {
			t.Errorf("%s: fuel %d, want %d", v.Description, o.fuel, v.Fuel)
		}
	}
	if *update {
		out, _ := json.MarshalIndent(vectors, "", "  ")
		if err := os.WriteFile(file, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fuelGuest builds testdata/meter/fuel-guest.wat, the guest of the fuel
// vectors (the harness's tests build it the same way, with wat2wasm).
func fuelGuest(t *testing.T, dir string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "fuel-guest.wat"))
	if err != nil {
		t.Fatal(err)
	}
	return wat2wasm(t, string(src))
}
