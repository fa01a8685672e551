package gojinn_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gojinn/gojinn"
	"github.com/gojinn/gojinn/internal/testguest"
)

// Reloads under traffic drop no request, a changed .wasm is picked up by a
// forced reload of an unchanged config, and old compiled modules are closed.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	wasm := filepath.Join(dir, "handler.wasm")
	copyFile(t, testguest.WAT(t, "ok"), wasm)
	site := func(name string) string {
		return fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tname %s\n\t\tpool_size 2\n\t}\n}\n", wasm, name)
	}
	tester, logFile := server(t, site("v0"))
	config := func(name string) string { return globals(logFile) + "\n" + site(name) }

	var ok, failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := tester.Client.Get(base + "/")
				if err != nil {
					// No answer at all is not counted: on a reload Caddy hands
					// its listening sockets over (SO_REUSEPORT) and closes
					// kept-alive connections, and a request sent on one just
					// then fails with EOF or a reset before any handler saw
					// it. Every answer must be right.
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || (string(b) != "ok" && string(b) != "1") {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("%d %q", resp.StatusCode, b))
					continue
				}
				ok.Add(1)
			}
		}()
	}
	for i := 1; i <= 5; i++ {
		time.Sleep(100 * time.Millisecond)
		tester.InitServer(config(fmt.Sprintf("v%d", i)), "caddyfile")
	}
	// Deploy a new module under the same path; the Caddyfile is unchanged,
	// so only a forced reload (caddy reload --force) picks it up.
	copyFile(t, testguest.WAT(t, "counter"), wasm)
	forceReload(t, config("v5"))
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()

	if failed.Load() > 0 {
		t.Fatalf("%d of %d requests failed during reloads; first: %v", failed.Load(), failed.Load()+ok.Load(), firstFailure.Load())
	}
	if ok.Load() < 20 {
		t.Fatalf("only %d requests went through", ok.Load())
	}
	resp, body := do(t, tester, newRequest(t, "GET", base+"/", nil))
	if resp.StatusCode != 200 || body != "1" {
		t.Fatalf("after the forced reload: %d %q, want the new module's \"1\"", resp.StatusCode, body)
	}
	if n := gojinn.CompiledModuleCount(); n != 1 {
		t.Fatalf("%d compiled modules alive after reloads, want 1 (old ones must be closed)", n)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to+".tmp", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(to+".tmp", to); err != nil {
		t.Fatal(err)
	}
}

// forceReload loads cfg even though it is unchanged, as `caddy reload --force` does.
func forceReload(t *testing.T, cfg string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://localhost:2999/load", strings.NewReader(cfg))
	req.Header.Set("Content-Type", "text/caddyfile")
	req.Header.Set("Cache-Control", "must-revalidate")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("forced reload: %d %s", resp.StatusCode, b)
	}
}

// A reload that replaces a module (a changed .wasm at the same path) lets
// the requests running on the old one finish with its answer, while other
// handlers keep answering from fresh instances: the old module is released
// only after its last run, and no memory it uses is handed to another.
func TestReloadWhileRunning(t *testing.T) {
	dir := t.TempDir()
	slow := filepath.Join(dir, "slow.wasm")
	copyFile(t, testguest.WAT(t, "slow"), slow)
	site := fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn /slow %s\n\tgojinn /count %s\n\tgojinn /clean %s\n}\n",
		slow, testguest.WAT(t, "counter"), testguest.WAT(t, "dirty"))
	tester, logFile := server(t, site)

	get := func(path string) (int, string) {
		resp, err := tester.Client.Get(base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const running = 2
	slowAnswers := make(chan string, running)
	for range running {
		go func() {
			code, body := get("/slow")
			slowAnswers <- fmt.Sprintf("%d %s", code, body)
		}()
	}
	// Each slow guest logs "started" once it runs.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		n := 0
		for _, e := range logEntries(t, logFile, "http.handlers.gojinn") {
			if e["msg"] == "started" {
				n++
			}
		}
		if n == running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d slow guests started; log:\n%s", n, readFile(t, logFile))
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var fresh atomic.Int64
	var firstWrong atomic.Value
	for _, c := range []struct{ path, want string }{{"/count", "1"}, {"/clean", "clean"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, body := get(c.path)
				if code == 0 { // no answer at all: see TestReloadUnderLoad
					continue
				}
				if code != 200 || body != c.want {
					firstWrong.CompareAndSwap(nil, fmt.Sprintf("%s: %d %q", c.path, code, body))
				}
				fresh.Add(1)
			}
		}()
	}
	v2 := bytes.Replace(testguest.Read(t, slow), []byte("slow-1"), []byte("slow-2"), 1)
	if err := os.WriteFile(slow, v2, 0o644); err != nil {
		t.Fatal(err)
	}
	forceReload(t, globals(logFile)+"\n"+site)
	for range running {
		if a := <-slowAnswers; a != "200 slow-1" {
			t.Errorf("a request running during the reload answered %q, want the old module's 200 slow-1", a)
		}
	}
	close(stop)
	wg.Wait()
	if w := firstWrong.Load(); w != nil {
		t.Fatalf("of %d requests to other handlers during the reload, one answered %v", fresh.Load(), w)
	}
	if code, body := get("/slow"); code != 200 || body != "slow-2" {
		t.Fatalf("after the reload: %d %q, want the new module's slow-2", code, body)
	}
	if n := gojinn.CompiledModuleCount(); n != 3 {
		t.Fatalf("%d compiled modules alive after the reload, want 3", n)
	}
}
