package gojinn_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/gojinn/gojinn/internal/testguest"
)

// aiKey is the api_key of the tests, given through {env.GOJINN_TEST_AI_KEY}.
const aiKey = "sk-test-0123456789-secret"

// fakeLLM is an OpenAI-compatible chat completions server on 127.0.0.1
// (the network boundary): it answers "echo: <last message>" with fixed
// usage; the message "fail" gets a 500 whose body echoes the key,
// "unauthorized" a 401, "big" an answer of 8 KiB, "slow" an answer only
// when its request is cancelled.
type fakeLLM struct {
	mu        sync.Mutex
	auth      []string // Authorization headers received
	requests  []map[string]any
	cancelled chan struct{} // closed when a slow request was cancelled
}

func newFakeLLM(t *testing.T) (*fakeLLM, *httptest.Server) {
	f := &fakeLLM{cancelled: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var req struct {
			Model    string `json:"model"`
			Messages []struct{ Role, Content string }
		}
		var raw map[string]any
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &raw) != nil || json.Unmarshal(body, &req) != nil || len(req.Messages) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.requests = append(f.requests, raw)
		f.mu.Unlock()
		last := req.Messages[len(req.Messages)-1].Content
		switch last {
		case "fail":
			http.Error(w, "upstream broke; key was "+aiKey, http.StatusInternalServerError)
			return
		case "unauthorized":
			http.Error(w, `{"error":{"message":"Incorrect API key provided"}}`, http.StatusUnauthorized)
			return
		case "big":
			last = strings.Repeat("b", 8<<10)
		case "slow":
			select {
			case <-r.Context().Done():
				close(f.cancelled)
			case <-time.After(60 * time.Second):
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id":      "chatcmpl-1",
			"object":  "chat.completion",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": "echo: " + last + " (" + req.Model + ")"}, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
		})
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

// TestAIChat: a Go guest's gojinn.Chat through a real Caddy to an
// OpenAI-compatible server: the answer arrives, with the key as a Bearer
// token that Caddy's log never shows; a handler without the grant is
// denied; an upstream 500 is unavailable; a slow upstream is cut by the
// handler's timeout; token usage is on /metrics.
func TestAIChat(t *testing.T) {
	llm, srv := newFakeLLM(t)
	t.Setenv("GOJINN_TEST_AI_KEY", aiKey)
	wasm := testguest.Go(t, "testdata/guests/sdkgo-ai")
	block := fmt.Sprintf("\t\tai {\n\t\t\tendpoint %s/v1\n\t\t\tmodel test-model\n\t\t\tapi_key {env.GOJINN_TEST_AI_KEY}\n\t\t\tmax_response 4KiB\n\t\t}", srv.URL)
	tester, logFile := kvServer(t, block, fmt.Sprintf(`http://127.0.0.1:9080 {
	handle /chat {
		gojinn %[1]s {
			name ai-chat
			ai
			timeout 2s
		}
	}
	handle /nogrant {
		gojinn %[1]s {
			name ai-none
		}
	}
}
`, wasm))
	post := func(path, body string) (int, string) {
		t.Helper()
		resp, got := do(t, tester, newRequest(t, "POST", base+path, strings.NewReader(body)))
		return resp.StatusCode, got
	}

	if status, got := post("/chat", "hello there"); status != 200 || got != "echo: hello there (test-model)" {
		t.Fatalf("chat: %d %q, want 200 and the answer with the default model", status, got)
	}
	llm.mu.Lock()
	if len(llm.auth) != 1 || llm.auth[0] != "Bearer "+aiKey {
		t.Errorf("Authorization headers %q, want one Bearer with the key", llm.auth)
	}
	if msgs, _ := json.Marshal(llm.requests[0]["messages"]); string(msgs) != `[{"content":"You answer tests.","role":"system"},{"content":"hello there","role":"user"}]` {
		t.Errorf("messages sent %s", msgs)
	}
	llm.mu.Unlock()

	// A second identical question reaches the endpoint again: no cache.
	status, _ := post("/chat", "hello there")
	llm.mu.Lock()
	if status != 200 || len(llm.auth) != 2 {
		t.Errorf("second chat: %d, %d requests upstream; want 200 and 2", status, len(llm.auth))
	}
	llm.mu.Unlock()

	if status, got := post("/nogrant", "hello"); status != 502 || got != "gojinn: chat: denied\n" {
		t.Errorf("without the grant: %d %q, want 502 denied", status, got)
	}
	if status, got := post("/chat", "fail"); status != 502 || got != "gojinn: chat: unavailable\n" {
		t.Errorf("upstream 500: %d %q, want 502 unavailable", status, got)
	}

	if status, got := post("/chat", "unauthorized"); status != 502 || got != "gojinn: chat: io_error\n" {
		t.Errorf("upstream 401: %d %q, want 502 io_error", status, got)
	}
	if status, got := post("/chat", "big"); status != 502 || got != "gojinn: chat: too_large\n" {
		t.Errorf("answer over max_response: %d %q, want 502 too_large", status, got)
	}

	start := time.Now()
	if status, _ := post("/chat", "slow"); status != 504 {
		t.Errorf("slow upstream: %d, want 504 (the handler's timeout)", status)
	}
	if d := time.Since(start); d > 20*time.Second { // timeout 2s: a sanity bound, 10x
		t.Errorf("slow upstream took %v", d)
	}
	select {
	case <-llm.cancelled:
	case <-time.After(20 * time.Second):
		t.Error("the slow upstream request was not cancelled")
	}

	// Two answered completions of 11 + 7 tokens each.
	mfs := waitForMetric(t, "gojinn_ai_tokens_total", func(mfs families) bool {
		return tokens(mfs, "ai-chat", "completion") == 14
	})
	if p := tokens(mfs, "ai-chat", "prompt"); p != 22 {
		t.Errorf("prompt tokens %v, want 22", p)
	}

	// Caddy serves its config with the placeholder, not the key.
	resp, err := http.Get("http://localhost:2999/config/apps/gojinn/ai")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(cfg), "{env.GOJINN_TEST_AI_KEY}") || strings.Contains(string(cfg), aiKey) {
		t.Errorf("served config %s, want the placeholder and not the key", cfg)
	}

	logs, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(logs), aiKey) {
		t.Error("Caddy's log shows the api key")
	}
	if !strings.Contains(string(logs), "upstream broke") {
		t.Error("the upstream's error is not logged")
	}
}

// tokens is gojinn_ai_tokens_total of handler and kind; -1 when absent.
func tokens(mfs families, handler, kind string) float64 {
	for _, m := range mfs["gojinn_ai_tokens_total"].GetMetric() {
		if l := labels(m); l["handler"] == handler && l["kind"] == kind {
			return m.GetCounter().GetValue()
		}
	}
	return -1
}

// In JSON, the ai grant without an ai block, or a block whose endpoint is
// not an http(s) URL, fails the load, saying so.
func TestAIGrantJSONErrors(t *testing.T) {
	wasm := testguest.Go(t, "testdata/guests/sdkgo-ai")
	for app, want := range map[string]string{
		`{}`: `ai: no ai block in the gojinn global options`,
		`{"ai": {"endpoint": "ftp://127.0.0.1/v1"}}`: `ai: endpoint \"ftp://127.0.0.1/v1\" is not an http or https URL`,
	} {
		cfg := fmt.Sprintf(`{"admin": {"listen": "localhost:2999"}, "apps": {"gojinn": %s,
			"http": {"servers": {"s": {"listen": ["127.0.0.1:9080"],
			"routes": [{"handle": [{"handler": "gojinn", "path": %q, "ai": true}]}]}}}}}`, app, wasm)
		caddytest.AssertLoadError(t, cfg, "json", want)
	}
}
