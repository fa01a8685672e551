package gojinn_test

import (
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
		{"gojinn app.wasm {\n\t\tmax_body_size 0\n\t}", `max_body_size: "0" is not a valid size`},
		{"gojinn app.wasm {\n\t\tpool_size -1\n\t}", `pool_size: "-1" is not a whole number`},
		{"gojinn app.wasm {\n\t\tmax_concurrency\n\t}", "max_concurrency takes exactly one argument"},
		{"gojinn app.wasm {\n\t\tenv ONLY_NAME\n\t}", "env takes a name and a value"},
		{"gojinn app.wasm {\n\t\targs\n\t}", "args needs at least one argument"},
		{"gojinn app.wasm {\n\t\ttimeout 1s 2s\n\t}", "timeout takes exactly one argument"},
	}
	for _, tc := range cases {
		cfg := ":8080 {\n\t" + tc.body + "\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/etc/caddy/Caddyfile:") {
			t.Errorf("%q: err = %v, want one naming /etc/caddy/Caddyfile:<line> and %q", tc.body, err, tc.want)
		}
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
