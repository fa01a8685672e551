package sandbox_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
)

// vector is one file of contract/vectors (contract/README.md).
type vector struct {
	Description string `json:"description"`
	Request     struct {
		Method       string              `json:"method"`
		URI          string              `json:"uri"`
		Headers      map[string][]string `json:"headers"`
		Body         string              `json:"body"`
		BodyEncoding string              `json:"body_encoding"`
	} `json:"request"`
	Response *struct {
		Status       int                 `json:"status"`
		Headers      map[string][]string `json:"headers"`
		Body         *string             `json:"body"`
		BodyEncoding string              `json:"body_encoding"`
	} `json:"response"`
	Failure *struct {
		Status  int    `json:"status"`
		Outcome string `json:"outcome"`
	} `json:"failure"`
}

// TestContractVectors runs every contract vector through the real sandbox
// with the contract handler (contract/handler, built by `make examples`);
// sdk-ts runs the same vectors through its harness with the same wasm.
func TestContractVectors(t *testing.T) {
	root := testguest.Root()
	wasmPath := filepath.Join(root, "contract", "handler", "build", "handler.wasm")
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		t.Fatalf("the contract handler is not built (run `make examples`): %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "contract", "vectors", "*.json"))
	if len(files) == 0 {
		t.Fatal("no contract vectors found")
	}
	m, err := sandbox.Compile(context.Background(), wasmPath, wasm, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	// The runner settings the vectors assume (contract/README.md).
	r := sandbox.NewRunner(m, sandbox.RunnerConfig{
		Limits: sandbox.RunLimits{Timeout: 3 * time.Second, MaxOutput: 1 << 20},
		Env:    map[string]string{"GREETING": "hello"},
		Args:   []string{"handler.wasm"},
	})
	defer r.Close()

	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var v vector
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			body := []byte(v.Request.Body)
			if v.Request.BodyEncoding == "base64" {
				body, _ = base64.StdEncoding.DecodeString(v.Request.Body)
			}
			req := &sandbox.Request{
				Method: v.Request.Method, URI: v.Request.URI, Headers: v.Request.Headers, Body: body,
				TraceID: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
				Host:    "example.com", RemoteAddr: "127.0.0.1:40000", Proto: "HTTP/1.1",
			}
			res := r.Run(context.Background(), req, nil)
			switch {
			case v.Failure != nil:
				if res.Err == nil {
					t.Fatalf("%s: got %d, want failure %s", v.Description, res.Response.Status, v.Failure.Outcome)
				}
				if string(res.Outcome) != v.Failure.Outcome || res.Outcome.Status() != v.Failure.Status {
					t.Fatalf("%s: got %s (%d): %v", v.Description, res.Outcome, res.Outcome.Status(), res.Err)
				}
			case v.Response != nil:
				if res.Err != nil {
					t.Fatalf("%s: %v", v.Description, res.Err)
				}
				if res.Response.Status != v.Response.Status {
					t.Errorf("status %d, want %d", res.Response.Status, v.Response.Status)
				}
				for name, want := range v.Response.Headers {
					if got := res.Response.Headers[name]; !slices.Equal(got, want) {
						t.Errorf("header %s = %q, want %q", name, got, want)
					}
				}
				// HTTP sends no body for HEAD, 204 and 304 (the Caddy
				// module's job, tested through Caddy); the vectors say what
				// the client gets.
				noBody := req.Method == "HEAD" || res.Response.Status == 204 || res.Response.Status == 304
				if v.Response.Body != nil && !noBody {
					want := []byte(*v.Response.Body)
					if v.Response.BodyEncoding == "base64" {
						want, _ = base64.StdEncoding.DecodeString(*v.Response.Body)
					}
					if !bytes.Equal(res.Response.Body, want) {
						t.Errorf("body\n got %q\nwant %q", res.Response.Body, want)
					}
				}
			default:
				t.Fatalf("%s has neither response nor failure", file)
			}
		})
	}
}
