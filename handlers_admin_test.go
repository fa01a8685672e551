package gojinn_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// Distinctive secrets configured on the handlers of the admin and
// dashboard tests: no output may contain them.
const (
	envSecret   = "env-secret-6f1c2a9e"
	debugSecret = "debug-secret-b83d71f0"
)

// handlersSite serves ok.wat at /ok (with an env value and a debug secret)
// and trap.wat at /trap (its crashes recorded), and the routes of extra.
func handlersSite(t *testing.T, extra string) string {
	return fmt.Sprintf(`http://127.0.0.1:9080 {
	handle /ok {
		gojinn %s {
			name hello
			env API_TOKEN %s
			debug_secret %s
			fuel_limit 1000000
			pool_size 2
		}
	}
	handle /trap {
		gojinn %s {
			name trapper
			record_crashes %s
		}
	}
%s}
`, guestPath(t, "ok"), envSecret, debugSecret, guestPath(t, "trap"), t.TempDir(), extra)
}

// adminHandler is the part of a GET /gojinn/handlers entry the tests read.
type adminHandler struct {
	ID     uint64
	Name   string
	Module struct{ Path, SHA256 string }
	Limits struct {
		FuelLimit int64 `json:"fuel_limit"`
		PoolSize  int   `json:"pool_size"`
	}
	Requests struct {
		Total     int64
		ByOutcome map[string]int64 `json:"by_outcome"`
	}
	LatencySeconds struct {
		Samples int
		P50     float64
	} `json:"latency_seconds"`
	Fuel struct{ Total, Runs, P50 int64 }
	Pool struct{ Size int }
}

func handlersByName(t *testing.T) (map[string][]adminHandler, string) {
	t.Helper()
	resp, err := http.Get(adminBase + "/gojinn/handlers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /gojinn/handlers: %d %s", resp.StatusCode, raw)
	}
	var list []adminHandler
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	out := map[string][]adminHandler{}
	for _, h := range list {
		out[h.Name] = append(out[h.Name], h)
	}
	return out, string(raw)
}

func TestAdminHandlers(t *testing.T) {
	site := handlersSite(t, "")
	tester, _ := server(t, site)
	for range 3 {
		if resp, body := do(t, tester, newRequest(t, http.MethodGet, base+"/ok", nil)); resp.StatusCode != http.StatusOK {
			t.Fatalf("/ok: %d %s", resp.StatusCode, body)
		}
	}
	for range 2 {
		if resp, _ := do(t, tester, newRequest(t, http.MethodGet, base+"/trap", nil)); resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("/trap: %d", resp.StatusCode)
		}
	}

	byName, raw := handlersByName(t)
	if len(byName["hello"]) != 1 || len(byName["trapper"]) != 1 {
		t.Fatalf("want one hello and one trapper: %s", raw)
	}
	hello, trapper := byName["hello"][0], byName["trapper"][0]
	wasm, err := os.ReadFile(hello.Module.Path)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(wasm); hello.Module.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("sha256 %q, want the module's", hello.Module.SHA256)
	}
	if hello.Requests.Total != 3 || hello.Requests.ByOutcome["ok"] != 3 {
		t.Errorf("hello requests %+v, want 3 ok", hello.Requests)
	}
	if trapper.Requests.Total != 2 || trapper.Requests.ByOutcome["trap"] != 2 {
		t.Errorf("trapper requests %+v, want 2 trap", trapper.Requests)
	}
	if hello.LatencySeconds.Samples != 3 || hello.LatencySeconds.P50 <= 0 {
		t.Errorf("hello latency %+v, want 3 samples", hello.LatencySeconds)
	}
	// ok.wat executes instructions: every run's fuel is counted.
	if hello.Fuel.Runs != 3 || hello.Fuel.P50 <= 0 || hello.Fuel.Total < 3*hello.Fuel.P50/2 {
		t.Errorf("hello fuel %+v, want 3 runs", hello.Fuel)
	}
	if hello.Limits.FuelLimit != 1000000 || hello.Limits.PoolSize != 2 || hello.Pool.Size != 2 {
		t.Errorf("hello limits %+v pool %+v", hello.Limits, hello.Pool)
	}
	for _, secret := range []string{envSecret, debugSecret} {
		if strings.Contains(raw, secret) {
			t.Errorf("GET /gojinn/handlers shows a secret %q: %s", secret, raw)
		}
	}

	// A reload provisions the new handlers before it cleans up the old
	// ones, of the same names: the list then has the new ones only, with
	// their own (zero) counts.
	server(t, strings.Replace(site, "pool_size 2", "pool_size 1", 1))
	byName, raw = handlersByName(t)
	if len(byName["hello"]) != 1 || len(byName["trapper"]) != 1 {
		t.Fatalf("after a reload, want one hello and one trapper: %s", raw)
	}
	if h := byName["hello"][0]; h.ID == hello.ID || h.Requests.Total != 0 || h.Limits.PoolSize != 1 {
		t.Fatalf("after a reload, hello is id %d with %d requests; want a new handler with none", h.ID, h.Requests.Total)
	}
}
