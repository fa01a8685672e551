package gojinn_test

import (
	"fmt"
	"testing"

	"github.com/gojinn/gojinn/internal/testguest"
)

// TestHostBadPointers: a guest granted a store and an origin that passes
// the host pointers outside its memory gets `invalid` (5) from each call,
// host_log with a bad pointer does nothing, and Caddy goes on serving.
func TestHostBadPointers(t *testing.T) {
	site := fmt.Sprintf(`http://127.0.0.1:9080 {
	gojinn %s {
		kv s
		fetch http://127.0.0.1:9
	}
}`, testguest.WAT(t, "host-badptr"))
	tester, _ := kvServer(t, dataDirBlock(stateDir(t)), site)
	for range 2 {
		resp, body := do(t, tester, newRequest(t, "GET", base+"/", nil))
		if resp.StatusCode != 200 || body != "5 5 5 5" {
			t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, "5 5 5 5")
		}
	}
}
