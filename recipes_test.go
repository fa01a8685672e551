package gojinn_test

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// The access-control recipes of docs/recipes.md: each is a Caddyfile in
// testdata/recipes, loaded as a user would write it (with this test's
// address and guest), and each test shows that a request without what
// the recipe asks for never reaches the handler's guest (its gojinn
// requests counter with outcome ok stays at 0) and that one with it does.

// recipe serves testdata/recipes/<name>.Caddyfile with this test's
// address for the site example.com, ok.wat as /srv/fn/api.wasm and the
// other replacements given (old, new pairs).
func recipe(t *testing.T, name string, replacements ...string) *caddytest.Tester {
	t.Helper()
	tester, _ := recipeWithLog(t, name, replacements...)
	return tester
}

// recipeWithLog is recipe, also returning Caddy's own log file.
func recipeWithLog(t *testing.T, name string, replacements ...string) (*caddytest.Tester, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "recipes", name+".Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReplacer(append([]string{"example.com {", base + " {", "/srv/fn/api.wasm", guestPath(t, "ok")}, replacements...)...)
	return server(t, r.Replace(string(b)))
}

// runs is how many requests the guest of the gojinn handler named
// handler has answered (ok.wat always answers, with outcome ok; a body
// over max_body_size is refused by the handler before its guest runs,
// with outcome body_limit).
func runs(t *testing.T, handler string) float64 {
	t.Helper()
	var n float64
	for _, m := range scrape(t)["gojinn_requests_total"].GetMetric() {
		if l := labels(m); l["handler"] == handler && l["outcome"] == "ok" {
			n += m.GetCounter().GetValue()
		}
	}
	return n
}

// expectRuns waits until handler has served want requests, then checks
// that it served no more: every request refused before the allowed ones
// would have been counted by then.
func expectRuns(t *testing.T, handler string, want float64) {
	t.Helper()
	waitForMetric(t, "gojinn requests of "+handler, func(families) bool { return runs(t, handler) >= want })
	if got := runs(t, handler); got != want {
		t.Fatalf("handler %s served %v requests, want %v: a refused request reached it", handler, got, want)
	}
}

// send sends method path with headers (name, value pairs) and an optional
// body, and checks the status.
func send(t *testing.T, tester *caddytest.Tester, method, path string, body []byte, wantStatus int, headers ...string) *http.Response {
	t.Helper()
	req := newRequest(t, method, base+path, bytes.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, got := do(t, tester, req)
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s %v: status %d (%q), want %d", method, path, headers, resp.StatusCode, got, wantStatus)
	}
	return resp
}

func TestRecipeAPIKey(t *testing.T) {
	const key = "k-2f8a9c"
	t.Setenv("API_KEY", key)
	accessLog := filepath.Join(t.TempDir(), "access.log")
	tester, caddyLog := recipeWithLog(t, "api-key", "/var/log/caddy/api-access.log", accessLog)
	send(t, tester, "GET", "/", nil, 401)
	send(t, tester, "GET", "/", nil, 401, "X-Api-Key", "wrong")
	send(t, tester, "GET", "/", nil, 401, "X-Api-Key", "")
	send(t, tester, "GET", "/", nil, 401, "X-Api-Key", key+"-more")
	send(t, tester, "GET", "/", nil, 401, "X-Api-Key", "*")
	send(t, tester, "GET", "/", nil, 200, "X-Api-Key", key)
	expectRuns(t, "api", 1)

	// Every request is in the access log, no key is.
	waitForLog(t, accessLog, "http.log.access.log0", func(e map[string]any) bool { return e["status"] == 200.0 })
	for _, f := range []string{accessLog, caddyLog} {
		if log := readFile(t, f); strings.Contains(log, key) || strings.Contains(log, "wrong") {
			t.Errorf("%s has an X-Api-Key value:\n%s", f, log)
		}
	}

	// API_KEY unset (or empty): nothing gets through, not even an empty key.
	t.Setenv("API_KEY", "")
	os.Unsetenv("API_KEY")
	tester = recipe(t, "api-key", "/var/log/caddy/api-access.log", accessLog)
	send(t, tester, "GET", "/", nil, 401, "X-Api-Key", "")
	send(t, tester, "GET", "/", nil, 401)
	if n := runs(t, "api"); n != 0 {
		t.Fatalf("with API_KEY unset, the handler served %v requests", n)
	}
}

func TestRecipeBasicAuth(t *testing.T) {
	tester := recipe(t, "basic-auth")
	resp := send(t, tester, "GET", "/", nil, 401)
	if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
	}
	req := newRequest(t, "GET", base+"/", nil)
	req.SetBasicAuth("ana", "wrong")
	if resp, _ := do(t, tester, req); resp.StatusCode != 401 {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	req = newRequest(t, "GET", base+"/", nil)
	req.SetBasicAuth("ana", "correct horse battery staple")
	if resp, body := do(t, tester, req); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("right password: %d %q", resp.StatusCode, body)
	}
	expectRuns(t, "api", 1)
}

func TestRecipeForwardAuth(t *testing.T) {
	// The auth service: Bearer good lets the request through as ana.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	checks := make(chan string, 16)
	auth := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checks <- r.Method + " " + r.URL.Path + " " + r.Header.Get("X-Forwarded-Method") + " " + r.Header.Get("X-Forwarded-Uri")
		if r.Header.Get("Authorization") != "Bearer good" {
			http.Error(w, "no entry", http.StatusForbidden)
			return
		}
		w.Header().Set("X-User", "ana")
	})}
	go func() { _ = auth.Serve(ln) }()
	t.Cleanup(func() { _ = auth.Close() })

	tester := recipe(t, "forward-auth", "127.0.0.1:9091", ln.Addr().String())
	send(t, tester, "GET", "/", nil, 403)
	send(t, tester, "GET", "/", nil, 403, "Authorization", "Bearer bad")
	send(t, tester, "POST", "/things?x=1", []byte("body"), 200, "Authorization", "Bearer good")
	expectRuns(t, "api", 1)
	if len(checks) != 3 {
		t.Fatalf("the auth service was asked %d times, want 3", len(checks))
	}
	<-checks
	<-checks
	if got, want := <-checks, "GET /check POST /things?x=1"; got != want {
		t.Fatalf("the auth service got %q, want %q", got, want)
	}
}

func TestRecipeCORS(t *testing.T) {
	tester := recipe(t, "cors")
	const origin = "https://app.example.com"
	preflight := send(t, tester, "OPTIONS", "/", nil, 204,
		"Origin", origin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "Content-Type")
	for name, want := range map[string]string{
		"Access-Control-Allow-Origin":  origin,
		"Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
		"Access-Control-Allow-Headers": "Content-Type, Authorization",
		"Access-Control-Max-Age":       "600",
	} {
		if got := preflight.Header.Get(name); got != want {
			t.Errorf("preflight %s = %q, want %q", name, got, want)
		}
	}

	resp := send(t, tester, "GET", "/", nil, 200, "Origin", origin)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("GET: Access-Control-Allow-Origin = %q, want %q", got, origin)
	}
	if got := resp.Header.Get("Vary"); got != "Origin" {
		t.Errorf("GET: Vary = %q, want Origin", got)
	}
	expectRuns(t, "api", 1) // the GET, not the preflight

	// Another origin gets no CORS header, preflight or not.
	other := newRequest(t, "OPTIONS", base+"/", nil)
	other.Header.Set("Origin", "https://evil.example")
	other.Header.Set("Access-Control-Request-Method", "PUT")
	if resp, _ := do(t, tester, other); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin got Access-Control-Allow-Origin %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if resp := send(t, tester, "GET", "/", nil, 200, "Origin", "https://evil.example"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from another origin: Access-Control-Allow-Origin %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestRecipeBodyLimit(t *testing.T) {
	tester := recipe(t, "body-limit")
	send(t, tester, "POST", "/", make([]byte, 32<<10), 413)
	send(t, tester, "POST", "/upload", make([]byte, 2<<20), 413)
	send(t, tester, "POST", "/", make([]byte, 8<<10), 200)
	send(t, tester, "POST", "/upload", make([]byte, 512<<10), 200)
	expectRuns(t, "api", 1)
	expectRuns(t, "upload", 1)
}

// docs/recipes.md shows each recipe as the tests load it.
func TestRecipesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("docs", "recipes.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "recipes", "*.Caddyfile"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recipes: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(doc, b) {
			t.Errorf("docs/recipes.md does not show %s as it is", f)
		}
	}
}
