package gojinn_test

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// TestAIOption: the ai block adapts to the app's JSON with its key still
// a placeholder, and the ai grant to the handler's; a bad block or grant
// fails at adapt time with the problem.
func TestAIOption(t *testing.T) {
	adapt := func(block, handler string) (string, error) {
		cfg := "{\n\tgojinn {\n\t\t" + block + "\n\t}\n}\n:8080 {\n\tgojinn x.wasm {\n\t\t" + handler + "\n\t}\n}\n"
		out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
		return string(out), err
	}
	out, err := adapt("ai {\n\t\t\tendpoint http://127.0.0.1:11434/v1\n\t\t\tmodel llama3.2\n\t\t\tapi_key {env.OPENAI_API_KEY}\n\t\t\ttimeout 30s\n\t\t\tmax_response 1MB\n\t\t}", "ai")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"ai":{"endpoint":"http://127.0.0.1:11434/v1","model":"llama3.2","api_key":"{env.OPENAI_API_KEY}","timeout":30000000000,"max_response":1000000}`,
		`{"ai":true,"handler":"gojinn"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("adapted config lacks %s:\n%s", want, out)
		}
	}
	for _, tc := range []struct{ block, handler, want string }{
		{"ai {\n\t\t\tmodel m\n\t\t}", "ai", "ai: endpoint is required"},
		{"ai {\n\t\t\tendpoint http://x\n\t\t\tendpoint http://y\n\t\t}", "ai", "ai: endpoint is given twice"},
		{"ai {\n\t\t\tendpoint http://x\n\t\t\tcache on\n\t\t}", "ai", `ai: unknown option "cache"`},
		{"ai openai", "ai", `ai takes only a block, got "openai"`},
		{"ai {\n\t\t\tendpoint http://x\n\t\t}\n\t\tai {\n\t\t\tendpoint http://x\n\t\t}", "ai", "ai is given twice"},
		{"ai {\n\t\t\tendpoint http://x\n\t\t}", "ai gpt", `ai takes no argument, got "gpt"`},
	} {
		if _, err := adapt(tc.block, tc.handler); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q / %q: err = %v, want %q", tc.block, tc.handler, err, tc.want)
		}
	}
}
