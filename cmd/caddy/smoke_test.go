package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMakeRunServesExamples proves the README's first command: it starts
// bin/caddy, built by `make build` exactly as `make run` builds it, on
// examples/Caddyfile (loopback, free ports instead of 8080 and 2019), asks
// every example route and the metrics endpoint, and stops it.
func TestMakeRunServesExamples(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	caddyBin := filepath.Join(root, "bin", "caddy")
	if _, err := os.Stat(caddyBin); err != nil {
		t.Fatalf("bin/caddy is not built: run `make build` (or `make test`, which builds it): %v", err)
	}
	for _, ex := range []string{"hello-as", "json-api-as", "router-as", "hello-go", "counter-as", "kv-go", "notes-go"} {
		if _, err := os.Stat(filepath.Join(root, "examples", ex, "build", "handler.wasm")); err != nil {
			t.Fatalf("examples/%s is not built: run `make examples`: %v", ex, err)
		}
	}

	site, admin := freePort(t), freePort(t)
	cfg, err := os.ReadFile(filepath.Join(root, "examples", "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("localhost:2019", "127.0.0.1:"+admin, "8080", site).Replace(string(cfg))
	if !strings.Contains(text, "127.0.0.1:"+admin) || !strings.Contains(text, "http_port "+site) {
		t.Fatalf("examples/Caddyfile no longer has the admin address and port this test replaces:\n%s", cfg)
	}
	cfgFile := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(cfgFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, caddyBin, "run", "--config", cfgFile, "--adapter", "caddyfile")
	cmd.Dir = root // examples/Caddyfile's paths are relative to the repository, as for `make run`
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("caddy's output:\n%s", logs.String())
		}
	}()

	base := "http://127.0.0.1:" + site
	waitReady(t, base+"/", exited)
	routes := []struct{ method, path, body, want string }{
		{"GET", "/hello-as?name=Ana", "", "Hello, Ana!"},
		{"POST", "/json-api-as", `{"name":"Ana","email":"ana@example.com"}`, `"name":"Ana"`},
		{"GET", "/router-as/users/42", "", `"id":"42"`},
		{"GET", "/hello-go", "", "Hello from Go!"},
		{"GET", "/counter-as", "", `{"visits":1}`}, // the embedded NATS, in the fresh HOME's data directory
		{"PUT", "/kv-go/greeting", "hello", ""},
		{"GET", "/kv-go/greeting", "", "hello"},
		{"POST", "/notes-go/", `{"text":"buy milk"}`, `"text":"buy milk"`}, // SQLite in the fresh HOME's data directory
		{"GET", "/notes-go/", "", `{"notes":[{"id":1,"text":"buy milk"`},
		{"GET", "/", "", "Gojinn examples"},
	}
	for _, rt := range routes {
		status, body := fetch(t, rt.method, base+rt.path, rt.body)
		if status < 200 || status > 299 || !strings.Contains(body, rt.want) {
			t.Errorf("%s %s: got %d %q, want 2xx containing %q", rt.method, rt.path, status, body, rt.want)
		}
	}
	status, body := fetch(t, "GET", "http://127.0.0.1:"+admin+"/metrics", "")
	if status != 200 || !strings.Contains(body, `gojinn_requests_total{`) {
		t.Errorf("/metrics: got %d without gojinn_requests_total:\n%.2000s", status, body)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// waitReady polls url until Caddy answers, failing if it exits first.
func waitReady(t *testing.T, url string, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("caddy exited before serving: %v", err)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("caddy did not answer %s within 2 minutes", url)
}

func fetch(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
