package gojinn_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/gojinn/gojinn/internal/testguest"
)

// The Go SDK (sdk-go) end to end: guests built from source on it, each its
// own module, served by a real Caddy with pooled instances (a Go guest's
// host calls come after it has read its request) and the embedded NATS.

// sdkDo sends a request with a body and returns the status and body.
func sdkDo(t *testing.T, tester *caddytest.Tester, method, path string, body []byte) (int, []byte) {
	t.Helper()
	resp, got := do(t, tester, newRequest(t, method, base+path, bytes.NewReader(body)))
	return resp.StatusCode, []byte(got)
}

// TestSDKGoKV runs examples/kv-go (gojinn.ServeHTTP over http.ServeMux,
// gojinn.KV: every Store method) with its store granted, read only, and
// not granted.
func TestSDKGoKV(t *testing.T) {
	wasm := testguest.Go(t, "examples/kv-go")
	route := func(path, extra string) string {
		return fmt.Sprintf("\thandle_path %s/* {\n\t\tgojinn %s {\n\t\t\tpool_size 2\n%s\t\t}\n\t}\n", path, wasm, extra)
	}
	tester, _ := kvServer(t, dataDirBlock(stateDir(t)), "http://127.0.0.1:9080 {\n"+
		route("/kv", "\t\t\tkv kv-go\n")+
		route("/ro", "\t\t\tenv KV_STORE kv-go\n\t\t\tkv kv-go read\n")+
		route("/denied", "\t\t\tenv KV_STORE secret\n\t\t\tkv kv-go\n")+
		"}")
	check := func(method, path string, body []byte, wantStatus int, want string) {
		t.Helper()
		status, got := sdkDo(t, tester, method, path, body)
		if status != wantStatus || !strings.Contains(string(got), want) {
			t.Errorf("%s %s: got %d %q, want %d containing %q", method, path, status, got, wantStatus, want)
		}
	}

	// Set then get, bytes exact: a binary value (base64 both ways through
	// the contract) and one far larger than the SDK's first read buffer
	// (read again at the size the host reports).
	binary := []byte("caf\xc3\xa9 \x00\xff\xfe end")
	large := bytes.Repeat([]byte("0123456789abcdef"), 100_000/16)
	for key, value := range map[string][]byte{"greeting": binary, "large": large, "empty": {}} {
		check("PUT", "/kv/"+key, value, 204, "")
		if status, got := sdkDo(t, tester, "GET", "/kv/"+key, nil); status != 200 || !bytes.Equal(got, value) {
			t.Errorf("GET %s: got %d, %d bytes, want 200 and the %d bytes PUT", key, status, len(got), len(value))
		}
	}
	// A key with characters JetStream does not allow, from a percent-encoded path.
	check("PUT", "/kv/"+url.PathEscape("user:ü/1 x"), []byte("u1"), 204, "")
	check("GET", "/kv/"+url.PathEscape("user:ü/1 x"), nil, 200, "u1")

	// A missing key is ErrNotFound, which the example answers 404.
	check("GET", "/kv/missing", nil, 404, `gojinn: kv get kv-go "missing": not_found`)

	// Delete, then the key is gone.
	check("DELETE", "/kv/greeting", nil, 204, "")
	check("GET", "/kv/greeting", nil, 404, "not_found")

	// A counter: increments are decimal text that Get reads back.
	for i, want := range []string{"1", "2", "3", "-2"} {
		path := "/kv/visits"
		if i == 3 {
			path += "?by=-5"
		}
		check("POST", path, nil, 200, want+"\n")
	}
	check("GET", "/kv/visits", nil, 200, "-2")
	check("PUT", "/kv/notanumber", []byte("x"), 204, "")
	check("POST", "/kv/notanumber", nil, 400, "invalid")

	// Compare-and-swap: create if absent (If-None-Match: *), update at the
	// revision read (If-Match: the ETag GET gave).
	put := func(key, value, header, etag string) (int, string, string) {
		t.Helper()
		req := newRequest(t, "PUT", base+"/kv/"+key, strings.NewReader(value))
		req.Header.Set(header, etag)
		resp, got := do(t, tester, req)
		return resp.StatusCode, resp.Header.Get("ETag"), got
	}
	status, created, _ := put("lock", "v1", "If-None-Match", "*")
	if status != 204 || created == "" {
		t.Fatalf("create: %d ETag %q", status, created)
	}
	if status, _, got := put("lock", "v2", "If-None-Match", "*"); status != 412 || !strings.Contains(got, "exists") {
		t.Errorf("second create: %d %q, want 412 exists", status, got)
	}
	resp, got := do(t, tester, newRequest(t, "GET", base+"/kv/lock", nil))
	if resp.StatusCode != 200 || got != "v1" || resp.Header.Get("ETag") != created {
		t.Fatalf("get after create: %d %q ETag %q, want v1 ETag %q", resp.StatusCode, got, resp.Header.Get("ETag"), created)
	}
	status, updated, _ := put("lock", "v3", "If-Match", created)
	if status != 204 || updated == "" || updated == created {
		t.Fatalf("update at %s: %d ETag %q", created, status, updated)
	}
	if status, _, got := put("lock", "v4", "If-Match", created); status != 412 || !strings.Contains(got, "conflict") {
		t.Errorf("update at a stale revision: %d %q, want 412 conflict", status, got)
	}
	if status, _, got := put("absent", "v", "If-Match", created); status != 412 || !strings.Contains(got, "not_found") {
		t.Errorf("update of an absent key: %d %q, want 412 not_found", status, got)
	}
	resp, got = do(t, tester, newRequest(t, "GET", base+"/kv/lock", nil))
	if got != "v3" || resp.Header.Get("ETag") != updated {
		t.Errorf("after the swaps: %q ETag %q, want v3 ETag %q", got, resp.Header.Get("ETag"), updated)
	}

	// Keys by prefix over several pages: 70 keys of 1,000 bytes make more
	// than a page's 64 KiB.
	var long []string
	for i := range 70 {
		k := fmt.Sprintf("long/%03d/%s", i, strings.Repeat("k", 991))
		long = append(long, k)
		check("PUT", "/kv/"+k, []byte{byte(i)}, 204, "")
	}
	status, listing := sdkDo(t, tester, "GET", "/kv/?prefix=long/", nil)
	var listed struct{ Keys []string }
	if err := json.Unmarshal(listing, &listed); status != 200 || err != nil || !slices.Equal(listed.Keys, long) {
		t.Errorf("keys with prefix long/: %d, %d keys (%v), want the %d keys in order", status, len(listed.Keys), err, len(long))
	}

	// Read-only: reads work, a write is denied.
	check("GET", "/ro/visits", nil, 200, "-2")
	check("PUT", "/ro/visits", []byte("9"), 403, `gojinn: kv set kv-go "visits": denied`)
	// A store the handler was not granted: every call is denied.
	check("GET", "/denied/visits", nil, 403, `gojinn: kv get secret "visits": denied`)
	check("POST", "/denied/visits", nil, 403, "denied")
	check("GET", "/kv/visits", nil, 200, "-2")
}

// TestSDKGoTransport runs testdata/guests/sdkgo-fetch: an http.Client on
// gojinn.Transport reaches an allowed server with the request's method,
// header and body; an HTTP error status is a response; a URL the
// allow-list does not name fails with ErrDenied, which the guest logs
// with gojinn.Log at error level.
func TestSDKGoTransport(t *testing.T) {
	other := newUpstream(t, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "other") })
	api := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream", "api")
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
		fmt.Fprintf(w, "%s %s %s %q", r.Method, r.URL.Path, r.Header.Get("X-Test"), body)
	})
	wasm := testguest.Go(t, "sdkgo-fetch")
	tester, logFile := server(t, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tpool_size 2\n\t\tfetch %s\n\t}\n}", wasm, api.URL))

	fetch := func(method, target, xtest string, body []byte) (int, string) {
		t.Helper()
		req := newRequest(t, method, base+"/?url="+url.QueryEscape(target), bytes.NewReader(body))
		req.Header.Set("X-Test", xtest)
		resp, got := do(t, tester, req)
		return resp.StatusCode, got
	}
	if status, got := fetch("GET", api.URL+"/hello", "t1", nil); status != 200 || got != `200 api GET /hello t1 ""` {
		t.Errorf("GET allowed: %d %q", status, got)
	}
	if status, got := fetch("POST", api.URL+"/items", "t2", []byte("a\x00b")); status != 200 || got != `200 api POST /items t2 "a\x00b"` {
		t.Errorf("POST allowed: %d %q", status, got)
	}
	if status, got := fetch("GET", api.URL+"/missing", "t3", nil); status != 200 || got != `404 api GET /missing t3 ""` {
		t.Errorf("upstream 404: %d %q", status, got)
	}
	if status, got := fetch("GET", other.URL+"/", "t4", nil); status != 502 || strings.TrimSpace(got) != "denied" {
		t.Errorf("not allowed: %d %q, want 502 \"denied\"", status, got)
	}
	if n := other.hits.Load(); n != 0 {
		t.Errorf("the server no entry names got %d requests", n)
	}
	waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
		msg, _ := e["msg"].(string)
		return e["level"] == "error" && e["via"] == "host_log" &&
			msg == fmt.Sprintf("sdkgo-fetch: Get %q: gojinn: fetch GET %s/: denied", other.URL+"/", other.URL)
	})
}
