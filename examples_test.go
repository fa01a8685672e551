package gojinn_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExamplesCaddyfile serves examples/Caddyfile, as `make run` does (with
// the test's ports), and exercises every example through Caddy. The
// examples are built by `make examples`.
func TestExamplesCaddyfile(t *testing.T) {
	for _, wasm := range []string{"hello-as", "json-api-as", "router-as", "hello-go", "counter-as", "kv-go", "notes-go"} {
		if _, err := os.Stat(filepath.Join("examples", wasm, "build", "handler.wasm")); err != nil {
			t.Fatalf("examples/%s is not built: run `make examples` (%v)", wasm, err)
		}
	}
	b, err := os.ReadFile("examples/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	// The test's own global options and address replace the example's,
	// but for the lines of its gojinn block (the notes database).
	globals, cfg := cfg[:strings.Index(cfg, "\n}\n")], cfg[strings.Index(cfg, "\n}\n")+3:]
	gojinnBlock := regexp.MustCompile(`(?s)\n\tgojinn \{\n(.*?)\n\t\}`).FindStringSubmatch(globals)
	if gojinnBlock == nil {
		t.Fatalf("examples/Caddyfile has no gojinn global option:\n%s", globals)
	}
	cfg = regexp.MustCompile(`http://127.0.0.1:8080, http://localhost:8080`).ReplaceAllString(cfg, "http://127.0.0.1:9080")
	// The stores and the database start empty, in the test's own data directory.
	tester, _ := kvServer(t, "\t\tdata_dir "+stateDir(t)+"\n"+gojinnBlock[1], cfg)

	cases := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/hello-as", "", 200, "Hello, world!\n"},
		{"DELETE", "/hello-as/any/path?name=Ana", "", 200, "Hello, Ana!\n"},
		{"POST", "/json-api-as", `{"name":"Ana","email":"ana@example.com"}`, 201, `"name":"Ana"`},
		{"POST", "/json-api-as", `{"name":""}`, 400, `"error"`},
		{"GET", "/json-api-as", "", 405, ""},
		{"GET", "/router-as/users/42", "", 200, `"id":"42"`},
		{"POST", "/router-as/users", `{"name":"Bo"}`, 201, `"name":"Bo"`},
		{"GET", "/router-as/files/a/b.txt", "", 200, "file a/b.txt"},
		{"GET", "/router-as/nope", "", 404, ""},
		{"PUT", "/router-as/users/42", "", 405, ""},
		{"GET", "/hello-go", "", 200, "Hello from Go! You called GET /hello-go"},
		{"GET", "/counter-as", "", 200, `{"visits":1}`},
		{"GET", "/counter-as", "", 200, `{"visits":2}`},
		{"PUT", "/kv-go/greeting", "hello", 204, ""},
		{"GET", "/kv-go/greeting", "", 200, "hello"},
		{"GET", "/kv-go/missing", "", 404, ""},
		{"POST", "/kv-go/hits", "", 200, "1"},
		{"GET", "/kv-go/", "", 200, `"greeting"`},
		{"GET", "/notes-go/", "", 200, `{"notes":[]}`},
		{"POST", "/notes-go/", `{"text":"buy milk"}`, 201, `{"id":1,"text":"buy milk","created":"`},
		{"POST", "/notes-go/", `{"text":"call Ana"}`, 201, `{"id":2,"text":"call Ana"`},
		{"POST", "/notes-go/", `{"text":"buy milk"}`, 409, "UNIQUE constraint failed: notes.text"},
		{"POST", "/notes-go/", `{"text":""}`, 400, ""},
		{"GET", "/notes-go/", "", 200, `{"notes":[{"id":1,"text":"buy milk","created":"`},
		{"GET", "/notes-go/", "", 200, `{"id":2,"text":"call Ana"`},
		{"GET", "/", "", 200, "Gojinn examples"},
	}
	for _, tc := range cases {
		var body *strings.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		req := newRequest(t, tc.method, base+tc.path, nil)
		if body != nil {
			req = newRequest(t, tc.method, base+tc.path, body)
			req.Header.Set("Content-Type", "application/json")
		}
		resp, got := do(t, tester, req)
		if resp.StatusCode != tc.status || !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: got %d %q, want %d containing %q", tc.method, tc.path, resp.StatusCode, got, tc.status, tc.want)
		}
	}
}
