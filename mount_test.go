package gojinn_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/gojinn/gojinn/internal/testguest"
)

// mountSite lays out a read-only mount, a writable one and a file beside
// them (with a symlink to it in the read-only mount), and returns the
// site serving fsprobe.wat with them at /data (fd 3) and /rw (fd 4).
func mountSite(t *testing.T) (site, dir string) {
	t.Helper()
	dir = t.TempDir()
	for _, d := range []string{"ro", "rw"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{"outside.txt": "secret", "ro/hello.txt": "hello"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "outside.txt"), filepath.Join(dir, "ro", "abs-link")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOJINN_TEST_RW", filepath.Join(dir, "rw"))
	site = fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tmount %s /data\n\t\tmount {env.GOJINN_TEST_RW} /rw rw\n\t}\n}\n",
		guestPath(t, "fsprobe"), filepath.Join(dir, "ro"))
	return site, dir
}

// Through Caddy: a guest reads its mount and cannot leave it. fsprobe
// answers 400 + the WASI errno of a failed call (463 EPERM, 469 EROFS);
// sandbox/mount_test.go covers every way out.
func TestMountsThroughCaddy(t *testing.T) {
	site, dir := mountSite(t)
	tester, _ := server(t, site)
	for _, tc := range []struct {
		uri    string
		status int
		body   string
	}{
		{"/r/3/hello.txt", 200, "hello"},
		{"/r/3/../outside.txt", 463, ""},
		{"/r/3/abs-link", 463, ""},
		{"/w/3/new.txt", 469, ""},
		{"/w/4/new.txt", 200, ""},
	} {
		resp, body := do(t, tester, newRequest(t, "GET", base+tc.uri, nil))
		if resp.StatusCode != tc.status || body != tc.body && tc.status == 200 || strings.Contains(body, "secret") {
			t.Errorf("GET %s: %d %q, want %d %q", tc.uri, resp.StatusCode, body, tc.status, tc.body)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "rw", "new.txt")); string(b) != "written" {
		t.Errorf("the writable mount's new.txt on the host = %q, want %q", b, "written")
	}
}

// A host directory that does not exist fails the load, naming it.
func TestMountLoadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	cfg := globals(filepath.Join(dir, "caddy.log")) + fmt.Sprintf("\nhttp://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tmount %s /data\n\t}\n}\n", guestPath(t, "fsprobe"), missing)
	caddytest.AssertLoadError(t, cfg, "caddyfile", "mount "+missing)
	caddytest.AssertLoadError(t, cfg, "caddyfile", "no such file or directory")
}

// Bad mount lines fail at adapt time, naming the file and the line.
func TestMountCaddyfileErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"mount /srv", "mount takes a host directory, a guest path and an optional mode"},
		{"mount /srv /data ro extra", "mount takes a host directory, a guest path and an optional mode"},
		{"mount /srv data", `the guest path "data" must be absolute and clean`},
		{"mount /srv /data/../etc", `the guest path "/data/../etc" must be absolute and clean`},
		{"mount /srv /data/", `the guest path "/data/" must be absolute and clean`},
		{"mount /srv /data readonly", `mount /data: unknown mode "readonly": want ro or rw`},
		{"mount /a /data\n\t\tmount /b /data rw", "the guest path /data is mounted twice"},
	} {
		cfg := ":8080 {\n\tgojinn app.wasm {\n\t\t" + tc.body + "\n\t}\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/etc/caddy/Caddyfile:") {
			t.Errorf("%q: err = %v, want one naming /etc/caddy/Caddyfile:<line> and %q", tc.body, err, tc.want)
		}
	}
}

// A standard Go guest (wasip1) sees a mount at its guest path: echo-go
// opens /etc/passwd, which it cannot without mounts (TestEchoGo), and can
// with a directory holding a passwd mounted at /etc.
func TestMountsGoGuest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte("guest:x:1:1::/:/bin/false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tester, _ := server(t, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tmount %s /etc\n\t}\n}\n", testguest.Go(t, "echo-go"), dir))
	resp, body := do(t, tester, newRequest(t, "GET", base+"/", nil))
	var e echoed
	if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %q: %v", resp.StatusCode, body, err)
	}
	if e.FileErr != "" {
		t.Errorf("opening the mounted /etc/passwd: %s", e.FileErr)
	}
}
