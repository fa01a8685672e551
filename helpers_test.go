package gojinn_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	// Caddy's standard modules, as in a real build.
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/gojinn/gojinn"
	"github.com/gojinn/gojinn/internal/testguest"
)

const base = "http://127.0.0.1:9080"

// globals opens every test Caddyfile: caddytest's admin port, loopback
// only, and Caddy's log as JSON in logFile so tests can read it.
func globals(logFile string) string { return globalsWithLogFormat(logFile, "json") }

// globalsWithLogFormat is globals with another log format directive.
func globalsWithLogFormat(logFile, format string) string {
	return fmt.Sprintf(`{
	admin localhost:2999
	default_bind 127.0.0.1
	http_port 9080
	https_port 9443
	grace_period 5s
	log {
		output file %s
		format %s
		level DEBUG
	}
}
`, logFile, format)
}

// server starts (or reconfigures) the in-process Caddy with a Caddyfile
// whose site block is site; it returns the tester and the log file.
func server(t *testing.T, site string) (*caddytest.Tester, string) {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{TestRequestTimeout: 30 * time.Second, LoadRequestTimeout: 2 * time.Minute})
	tester.InitServer(globals(logFile)+"\n"+site, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	tester.Client.Transport = handoverRetry{next: tester.Client.Transport}
	return tester, logFile
}

// do sends a request and returns the response and its body.
func do(t *testing.T, tester *caddytest.Tester, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := tester.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// logEntries reads the JSON log entries of logger name from Caddy's log file.
func logEntries(t *testing.T, logFile, logger string) []map[string]any {
	t.Helper()
	f, err := os.Open(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e map[string]any
		if json.Unmarshal(sc.Bytes(), &e) == nil && e["logger"] == logger {
			out = append(out, e)
		}
	}
	return out
}

// waitForLog polls the log file until match finds an entry of logger.
func waitForLog(t *testing.T, logFile, logger string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	for range 50 {
		for _, e := range logEntries(t, logFile, logger) {
			if match(e) {
				return e
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s log entry matched; log:\n%s", logger, readFile(t, logFile))
	return nil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

func getenv(k string) string { return os.Getenv(k) }

func guestPath(t *testing.T, name string) string { return testguest.WAT(t, name) }

// stateDir is a temporary directory for the gojinn app's data_dir. The
// test's config is unloaded before the directory is removed: caddytest
// keeps a test's config running until the next test loads its own, and
// the embedded NATS server writing into the directory meanwhile made its
// removal fail ("directory not empty").
func stateDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() { unloadConfig(t) }) // runs before the removal: cleanups run last first
	return dir
}

// unloadConfig replaces the running config with one that only keeps the
// admin endpoint caddytest uses: the old config's apps are stopped
// before the load answers.
func unloadConfig(t *testing.T) {
	resp, err := http.Post("http://localhost:2999/load", "application/json",
		strings.NewReader(`{"admin":{"listen":"localhost:2999"}}`))
	if err != nil {
		t.Logf("unloading the test's config: %v", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Logf("unloading the test's config: %s", resp.Status)
	}
}
