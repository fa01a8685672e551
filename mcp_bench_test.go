package gojinn_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/gojinn/gojinn/internal/testguest"
)

// BenchmarkMCPToolCall compares tools/call of the hello handler (ok.wat)
// through a real Caddy with a POST of the same arguments to its route,
// interleaved: added-% is what MCP adds (the ratio is 1 + added-%/100).
//
//	flock /tmp/gojinn-root-tests.lock go test -count=1 -run '^$' -bench BenchmarkMCPToolCall .
func BenchmarkMCPToolCall(b *testing.B) {
	anything := writeFile(b, "any.schema.json", `{"type":"object"}`)
	site := fmt.Sprintf(`http://127.0.0.1:9080 {
	gojinn /hello %s {
		cache_dir off
		tool {
			name hello
			input_schema %s
		}
	}
	gojinn_mcp /mcp
}
`, testguest.WAT(b, "ok"), anything)
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(globals(filepath.Join(b.TempDir(), "caddy.log"))+site), nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := caddy.Load(cfg, true); err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Transport: handoverRetry{next: http.DefaultTransport}}
	session, err := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: hc, DisableStandaloneSSE: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer session.Close()
	args := map[string]any{"city": "Lisbon"}

	viaHTTP := func() {
		resp, err := hc.Post(base+"/hello", "application/json", strings.NewReader(`{"city":"Lisbon"}`))
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "ok" {
			b.Fatalf("POST /hello: %d %q", resp.StatusCode, body)
		}
	}
	viaSDK := func() {
		res, err := session.CallTool(context.Background(), &mcp.CallToolParams{Name: "hello", Arguments: args})
		if err != nil {
			b.Fatal(err)
		}
		if res.IsError || res.Content[0].(*mcp.TextContent).Text != "ok" {
			b.Fatalf("tools/call hello: %+v", res)
		}
	}
	// The same call as one POST of its JSON-RPC message: the server's cost
	// without the client library's (the transport is stateless, so a call
	// needs no session).
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"hello","arguments":{"city":"Lisbon"}}}`
	viaPost := func() {
		req, _ := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(call))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"text":"ok"`) || strings.Contains(string(body), `"isError":true`) {
			b.Fatalf("POST tools/call: %d %s", resp.StatusCode, body)
		}
	}
	b.Run("sdk_client", func(b *testing.B) { pairedOverhead(b, viaHTTP, viaSDK) })
	b.Run("json_rpc_post", func(b *testing.B) { pairedOverhead(b, viaHTTP, viaPost) })
}
