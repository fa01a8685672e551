package gojinn_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"
)

// TestCaddyfileAdapt runs testdata/caddyfile/*.caddyfiletest: a Caddyfile,
// a line of dashes, and the JSON it must adapt to.
func TestCaddyfileAdapt(t *testing.T) {
	files, err := filepath.Glob("testdata/caddyfile/*.caddyfiletest")
	if err != nil || len(files) == 0 {
		t.Fatalf("no adapt tests found: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			caddyfile, want, ok := strings.Cut(string(data), "----------")
			if !ok {
				t.Fatalf("%s has no ---------- separator", file)
			}
			if !caddytest.CompareAdapt(t, file, strings.TrimSpace(caddyfile)+"\n", "caddyfile", strings.TrimSpace(want)) {
				t.Fail()
			}
		})
	}
}

// Bad input fails at `caddy adapt` time, naming the file, the line and the problem.
func TestCaddyfileErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{"gojinn", "path of a WebAssembly module is required"},
		{"gojinn /a /b.wasm /c", "too many arguments"},
		{"gojinn app.wasm {\n\t\tnope 1\n\t}", `unknown subdirective "nope"`},
		{"gojinn app.wasm {\n\t\ttimeout forever\n\t}", `timeout: "forever" is not a valid duration`},
		{"gojinn app.wasm {\n\t\tmemory_limit lots\n\t}", `memory_limit: "lots" is not a valid size`},
		{"gojinn app.wasm {\n\t\tmax_body_size 0\n\t}", "max_body_size must be greater than 0; omit it for the default"},
		{"gojinn app.wasm {\n\t\tmax_body_size -5MB\n\t}", "max_body_size must be greater than 0"},
		{"gojinn app.wasm {\n\t\tmemory_limit 0\n\t}", "memory_limit must be greater than 0"},
		{"gojinn app.wasm {\n\t\tmemory_limit -1\n\t}", "memory_limit must be greater than 0"},
		{"gojinn app.wasm {\n\t\tmax_output_size 0B\n\t}", "max_output_size must be greater than 0"},
		{"gojinn app.wasm {\n\t\ttimeout 0\n\t}", "timeout must be greater than 0; omit it for the default"},
		{"gojinn app.wasm {\n\t\ttimeout -1s\n\t}", "timeout must be greater than 0"},
		{"gojinn app.wasm {\n\t\tqueue_timeout 0s\n\t}", "queue_timeout must be greater than 0"},
		{"gojinn app.wasm {\n\t\tmax_concurrency 0\n\t}", "max_concurrency must be greater than 0"},
		{"gojinn app.wasm {\n\t\tmax_queue 0\n\t}", "max_queue must be greater than 0"},
		{"gojinn app.wasm {\n\t\tmax_queue 1\n\t\tmax_queue 2\n\t}", "max_queue is given twice"},
		{"gojinn app.wasm {\n\t\tmax_concurrency many\n\t}", `max_concurrency: "many" is not a whole number`},
		{"gojinn app.wasm {\n\t\tpool_size -1\n\t}", "pool_size must not be negative"},
		{"gojinn app.wasm {\n\t\tfuel_limit 0\n\t}", "fuel_limit must be greater than 0; omit it for the default"},
		{"gojinn app.wasm {\n\t\tfuel_limit -5\n\t}", "fuel_limit must be greater than 0"},
		{"gojinn app.wasm {\n\t\tfuel_limit 1e9\n\t}", `fuel_limit: "1e9" is not a whole number`},
		{"gojinn app.wasm {\n\t\tfuel_limit 1.5\n\t}", `fuel_limit: "1.5" is not a whole number`},
		{"gojinn app.wasm {\n\t\ttimeout 1s\n\t\ttimeout 2s\n\t}", "timeout is given twice"},
		{"gojinn app.wasm {\n\t\tcache_dir /a\n\t\tcache_dir off\n\t}", "cache_dir is given twice"},
		{"gojinn app.wasm {\n\t\tenv A 1\n\t\tenv B 2\n\t\tenv A 3\n\t}", "env A is given twice"},
		{"gojinn app.wasm {\n\t\tmax_concurrency\n\t}", "max_concurrency takes exactly one argument"},
		{"gojinn app.wasm {\n\t\tenv ONLY_NAME\n\t}", "env takes a name and a value"},
		{"gojinn app.wasm {\n\t\targs\n\t}", "args needs at least one argument"},
		{"gojinn app.wasm {\n\t\ttimeout 1s 2s\n\t}", "timeout takes exactly one argument"},
		{"gojinn app.wasm {\n\t\tkv\n\t}", "kv takes a store name and an optional mode"},
		{"gojinn app.wasm {\n\t\tkv a read b\n\t}", "kv takes a store name and an optional mode"},
		{"gojinn app.wasm {\n\t\tkv my.store\n\t}", `kv: "my.store" is not a valid store name`},
		{"gojinn app.wasm {\n\t\tkv sessions write\n\t}", `kv sessions: unknown mode "write"`},
		{"gojinn app.wasm {\n\t\tkv sessions\n\t\tkv other read\n\t\tkv sessions read\n\t}", "kv sessions is given twice"},
		{"gojinn app.wasm {\n\t\tfetch\n\t}", "fetch needs at least one origin"},
		{"gojinn app.wasm {\n\t\tfetch ftp://example.com\n\t}", "fetch: "},
		{"gojinn app.wasm {\n\t\tfetch https://api.example.com/v1\n\t}", "fetch: "},
		{"gojinn app.wasm {\n\t\tfetch_timeout 0s\n\t}", "fetch_timeout must be greater than 0"},
		{"gojinn app.wasm {\n\t\tfetch_max_body 0\n\t}", "fetch_max_body must be greater than 0"},
		{"gojinn app.wasm {\n\t\tfetch_max_calls 0\n\t}", "fetch_max_calls must be greater than 0"},
		{"gojinn app.wasm {\n\t\tenqueue\n\t}", "enqueue needs at least one queue name"},
		{"gojinn app.wasm {\n\t\tenqueue my.queue\n\t}", `enqueue: "my.queue" is not a valid queue name`},
		{"gojinn app.wasm {\n\t\tenqueue orders\n\t\tenqueue mail orders\n\t}", "enqueue orders is given twice"},
		{"gojinn app.wasm {\n\t\tenqueue a b a\n\t}", "enqueue a is given twice"},
	}
	for _, tc := range cases {
		cfg := ":8080 {\n\t" + tc.body + "\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/etc/caddy/Caddyfile:") {
			t.Errorf("%q: err = %v, want one naming /etc/caddy/Caddyfile:<line> and %q", tc.body, err, tc.want)
		} else if strings.Contains(err.Error(), "gojinn: ") {
			t.Errorf("%q: err = %v, prefixed twice (Caddy names the directive already)", tc.body, err)
		}
	}
	// The whole message, as `caddy adapt` prints it after "adapting config
	// using caddyfile: ", with the line of the offending subdirective.
	cfg := ":8080 {\n\tgojinn app.wasm {\n\t\tname api\n\t\ttimeout 0\n\t}\n}\n"
	_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
	want := "parsing caddyfile tokens for 'gojinn': timeout must be greater than 0; omit it for the default, at /etc/caddy/Caddyfile:4"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

// In JSON a limit of 0 is the same as omitting it (the default), but a
// negative one fails the load, naming the module and the field, instead
// of silently meaning the default.
func TestJSONNegativeLimits(t *testing.T) {
	ok := guestPath(t, "ok")
	for _, field := range []string{"timeout", "queue_timeout", "pool_size", "max_concurrency", "max_queue", "memory_limit", "max_body_size", "max_output_size", "fuel_limit"} {
		cfg := fmt.Sprintf(`{
	"admin": {"listen": "localhost:2999"},
	"apps": {"http": {"http_port": 9080, "servers": {"srv0": {
		"listen": ["127.0.0.1:9080"],
		"routes": [{"handle": [{"handler": "gojinn", "path": %q, %q: -1}]}]
	}}}}
}`, ok, field)
		caddytest.AssertLoadError(t, cfg, "json", fmt.Sprintf("gojinn: %s: %s must not be negative (0 or omitted means the default)", ok, field))
	}
}

// cache_dir is compared with "off" after its placeholders are resolved.
func TestCacheDirOffFromPlaceholder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // where a cache directory literally named "off" would appear
	t.Setenv("GOJINN_TEST_CACHE", "off")
	tester, _ := server(t, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tcache_dir {env.GOJINN_TEST_CACHE}\n\t}\n}\n", guestPath(t, "counter")))
	if resp, body := do(t, tester, newRequest(t, "GET", base+"/", nil)); resp.StatusCode != 200 || body != "1" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "off")); err == nil {
		t.Error(`cache_dir {env.GOJINN_TEST_CACHE}=off made a cache directory named "off"`)
	}
}

// Load-time errors name the module's file and the problem.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.wasm")
	if err := os.WriteFile(bad, []byte("\x00asm garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{filepath.Join(dir, "missing.wasm"), "no such file"},
		{bad, "not a valid WebAssembly module"},
		{guestPath(t, "nostart"), "no _start"},
		{guestPath(t, "badimport"), "imports env.secret"},
	}
	for _, tc := range cases {
		cfg := globals(filepath.Join(dir, "caddy.log")) + "\nhttp://127.0.0.1:9080 {\n\tgojinn " + tc.path + "\n}\n"
		caddytest.AssertLoadError(t, cfg, "caddyfile", tc.path)
		caddytest.AssertLoadError(t, cfg, "caddyfile", tc.want)
	}
}
