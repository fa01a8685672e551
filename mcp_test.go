package gojinn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/crypto/bcrypt"

	"github.com/gojinn/gojinn/internal/testguest"
)

const echoSchema = `{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}`

// writeFile writes content to name in a new temporary directory.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mcpSession connects the MCP Go SDK's client to endpoint.
func mcpSession(t *testing.T, endpoint string, rt http.RoundTripper) (*mcp.ClientSession, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "gojinn-test", Version: "1"}, nil)
	hc := &http.Client{Transport: handoverRetry{next: rt}, Timeout: 30 * time.Second}
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, MaxRetries: -1}, nil)
	if err == nil {
		t.Cleanup(func() { _ = s.Close() })
	}
	return s, err
}

func mustMCPSession(t *testing.T, endpoint string, rt http.RoundTripper) *mcp.ClientSession {
	t.Helper()
	s, err := mcpSession(t, endpoint, rt)
	if err != nil {
		t.Fatalf("connecting to %s: %v", endpoint, err)
	}
	return s
}

func toolNames(t *testing.T, s *mcp.ClientSession) []string {
	t.Helper()
	res, err := s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

func callTool(t *testing.T, s *mcp.ClientSession, name string, args any) (string, bool) {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("tools/call %s: %v", name, err)
	}
	if len(res.Content) != 1 {
		t.Fatalf("tools/call %s: %d contents, want 1", name, len(res.Content))
	}
	return res.Content[0].(*mcp.TextContent).Text, res.IsError
}

// basicAuth adds HTTP basic credentials to every request.
type basicAuth struct {
	user, password string
	next           http.RoundTripper
}

func (b basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.user, b.password)
	return b.next.RoundTrip(r)
}

// mcpSites has two site blocks on one server (127.0.0.1 and localhost),
// each with its tools and an MCP route; the first also has an MCP route
// behind basic_auth and one that names a tool of the other site.
func mcpSites(t *testing.T) string {
	hash, err := bcrypt.GenerateFromPassword([]byte("open sesame"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	schema := writeFile(t, "echo.schema.json", echoSchema)
	anything := writeFile(t, "any.schema.json", `{"type":"object"}`)
	return fmt.Sprintf(`http://127.0.0.1:9080 {
	gojinn /echo %[1]s {
		tool {
			name echo
			description "Describes the request it gets"
			input_schema %[3]s
		}
	}
	gojinn /fail %[2]s {
		tool {
			name fail
			input_schema %[4]s
		}
	}
	gojinn_mcp /mcp
	route /private {
		basic_auth {
			alice %[5]s
		}
		gojinn_mcp
	}
	gojinn_mcp /named {
		tools other_site
	}
}
http://localhost:9080 {
	gojinn /other %[6]s {
		tool {
			name other_site
			input_schema %[4]s
		}
	}
	gojinn_mcp /mcp
}
`, testguest.Go(t, "echo-go"), guestPath(t, "trap"), schema, anything, hash, guestPath(t, "ok"))
}

// tools/list lists the site's own tools with their input schema as a JSON
// object; a tool of another site block (another host on the same server)
// is not listed, unless an MCP route names it.
func TestMCPListsTheSiteTools(t *testing.T) {
	tester, _ := server(t, mcpSites(t))
	rt := tester.Client.Transport

	s := mustMCPSession(t, base+"/mcp", rt)
	res, err := s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	if !slices.Equal(names, []string{"echo", "fail"}) {
		t.Fatalf("tools = %v, want [echo fail] only", names)
	}
	echo := res.Tools[0]
	if echo.Description != "Describes the request it gets" {
		t.Errorf("description = %q", echo.Description)
	}
	schema, ok := echo.InputSchema.(map[string]any)
	if !ok || schema["type"] != "object" || fmt.Sprint(schema["required"]) != "[city]" {
		t.Errorf("inputSchema = %#v, want the file's schema as a JSON object", echo.InputSchema)
	}

	other := mustMCPSession(t, "http://localhost:9080/mcp", rt)
	if names := toolNames(t, other); !slices.Equal(names, []string{"other_site"}) {
		t.Errorf("localhost site's tools = %v, want [other_site]", names)
	}
	named := mustMCPSession(t, base+"/named", rt)
	if names := toolNames(t, named); !slices.Equal(names, []string{"other_site"}) {
		t.Errorf("named tools = %v, want [other_site]", names)
	}
	if text, isErr := callTool(t, named, "other_site", map[string]any{}); isErr || text != "ok" {
		t.Errorf("other_site through /named = %q (isError %v), want ok", text, isErr)
	}
}

// tools/call runs the handler with the arguments as a JSON POST body to
// /<tool name>; the response body is the result's text.
func TestMCPCallsTheHandler(t *testing.T) {
	tester, _ := server(t, mcpSites(t))
	s := mustMCPSession(t, base+"/mcp", tester.Client.Transport)

	text, isErr := callTool(t, s, "echo", map[string]any{"city": "Lisbon"})
	if isErr {
		t.Fatalf("echo: isError, text %q", text)
	}
	var got struct {
		Request struct {
			Method  string              `json:"method"`
			URI     string              `json:"uri"`
			Body    string              `json:"body"`
			Headers map[string][]string `json:"headers"`
			TraceID string              `json:"trace_id"`
		} `json:"request"`
	}
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatalf("echo's text %q: %v", text, err)
	}
	r := got.Request
	if r.Method != "POST" || r.URI != "/echo" || r.Body != `{"city":"Lisbon"}` || r.TraceID == "" ||
		!slices.Equal(r.Headers["Content-Type"], []string{"application/json"}) {
		t.Errorf("the guest got %+v, want POST /echo with the arguments as a JSON body and a trace id", r)
	}

	text, isErr = callTool(t, s, "fail", map[string]any{})
	if !isErr || !strings.Contains(text, "status 502") {
		t.Errorf("fail (a trap) = %q, isError %v; want isError and status 502", text, isErr)
	}
}

// Arguments that break the input schema get an isError result that says
// why, and the guest does not run (echo-go would answer 200).
func TestMCPSchemaViolation(t *testing.T) {
	tester, _ := server(t, mcpSites(t))
	s := mustMCPSession(t, base+"/mcp", tester.Client.Transport)
	for _, args := range []any{map[string]any{"city": 5}, map[string]any{}} {
		text, isErr := callTool(t, s, "echo", args)
		if !isErr || !strings.HasPrefix(text, "invalid arguments: ") || strings.Contains(text, "request") {
			t.Errorf("echo %v = %q, isError %v; want isError and invalid arguments", args, text, isErr)
		}
	}
	if _, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "other_site", Arguments: map[string]any{}}); err == nil {
		t.Error("calling another site's tool did not fail")
	}
}

// The MCP route's own auth protects it: without credentials the client
// cannot connect; with them it lists and calls the tools.
func TestMCPBehindBasicAuth(t *testing.T) {
	tester, _ := server(t, mcpSites(t))
	rt := tester.Client.Transport
	if _, err := mcpSession(t, base+"/private", rt); err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("unauthenticated connect: err = %v, want 401 Unauthorized", err)
	}
	if _, err := mcpSession(t, base+"/private", basicAuth{"alice", "wrong", rt}); err == nil {
		t.Fatal("a wrong password connected")
	}
	s := mustMCPSession(t, base+"/private", basicAuth{"alice", "open sesame", rt})
	if names := toolNames(t, s); !slices.Equal(names, []string{"echo", "fail"}) {
		t.Errorf("tools = %v, want [echo fail]", names)
	}
	if text, isErr := callTool(t, s, "echo", map[string]any{"city": "Porto"}); isErr || !strings.Contains(text, `"uri":"/echo"`) {
		t.Errorf("echo = %q, isError %v", text, isErr)
	}
}

// A bad tool block fails the Caddyfile adaptation at its line; a bad
// schema file fails the load, naming the file.
func TestMCPConfigErrors(t *testing.T) {
	site := "http://127.0.0.1:9080 {\n\tgojinn app.wasm {\n\t\ttool {\n\t\t\t%s\n\t\t}\n\t}\n}\n"
	for _, tc := range []struct{ block, want string }{
		{"name x", "tool: input_schema is required"},
		{"input_schema s.json", "tool: name is required"},
		{"name a/b\n\t\t\tinput_schema s.json", `tool: name "a/b"`},
		{"name x\n\t\t\tname y", "tool: name is given twice, at /etc/caddy/Caddyfile:5"},
		{"name x\n\t\t\tcolour red", `unknown tool subdirective "colour"`},
	} {
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(fmt.Sprintf(site, tc.block)), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/etc/caddy/Caddyfile:") {
			t.Errorf("%q: err = %v, want one naming /etc/caddy/Caddyfile:<line> and %q", tc.block, err, tc.want)
		}
	}

	ok := guestPath(t, "ok")
	for _, tc := range []struct{ schema, want string }{
		{`{"type": "string"}`, `"type" must be "object"`},
		{`[1]`, "not a JSON object"},
		{`{"type": "object", "properties": {"a": {"$ref": "#/nowhere"}}}`, "nowhere"},
	} {
		file := writeFile(t, "bad.schema.json", tc.schema)
		cfg := fmt.Sprintf(site, "name x\n\t\t\tinput_schema "+file)
		cfg = strings.Replace(cfg, "app.wasm", ok, 1)
		err := validateCaddyfile(t, cfg)
		if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("schema %s: err = %v, want one naming %s and %q", tc.schema, err, file, tc.want)
		}
	}
	anything := writeFile(t, "any.schema.json", `{"type":"object"}`)
	cron := fmt.Sprintf("{\n\tgojinn {\n\t\tcron tick \"@every 1h\" %s {\n\t\t\ttool {\n\t\t\t\tname x\n\t\t\t\tinput_schema %s\n\t\t\t}\n\t\t}\n\t}\n}\nhttp://127.0.0.1:9080 {\n\tgojinn_mcp\n}\n", ok, anything)
	if err := validateCaddyfile(t, cron); err == nil || !strings.Contains(err.Error(), "only a route's handler can be a tool") {
		t.Errorf("a cron function with a tool: err = %v, want only a route's handler", err)
	}
	missing := filepath.Join(t.TempDir(), "missing.json")
	if err := validateCaddyfile(t, strings.Replace(fmt.Sprintf(site, "name x\n\t\t\tinput_schema "+missing), "app.wasm", ok, 1)); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing schema: err = %v, want one naming %s", err, missing)
	}
}

// validateCaddyfile adapts cfg and provisions it without running it.
func validateCaddyfile(t *testing.T, cfg string) error {
	t.Helper()
	js, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	var c caddy.Config
	if err := json.Unmarshal(js, &c); err != nil {
		t.Fatal(err)
	}
	return caddy.Validate(&c)
}

// Tools follow a config reload: one client, stateless, sees the new
// config's tools, a call runs the new config's handler, and a config
// without tools lists none.
func TestMCPToolsFollowReload(t *testing.T) {
	anything := writeFile(t, "any.schema.json", `{"type":"object"}`)
	site := func(tool, guest string) string {
		return fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn /t %s {\n\t\ttool {\n\t\t\tname %s\n\t\t\tinput_schema %s\n\t\t}\n\t}\n\tgojinn_mcp /mcp\n}\n", guestPath(t, guest), tool, anything)
	}
	tester, _ := server(t, site("before", "ok"))
	s := mustMCPSession(t, base+"/mcp", tester.Client.Transport)
	if names := toolNames(t, s); !slices.Equal(names, []string{"before"}) {
		t.Fatalf("tools = %v, want [before]", names)
	}
	server(t, site("after", "trap"))
	if names := toolNames(t, s); !slices.Equal(names, []string{"after"}) {
		t.Fatalf("tools after the reload = %v, want [after]", names)
	}
	if text, isErr := callTool(t, s, "after", map[string]any{}); !isErr || !strings.Contains(text, "status 502") {
		t.Errorf("after = %q, isError %v; want the new handler's trap", text, isErr)
	}
	// A site without tools still has the tools capability: a new client
	// gets an empty list. Its catch-all gojinn, written first, does not
	// swallow /mcp: gojinn_mcp is ordered before gojinn.
	server(t, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s\n\tgojinn_mcp /mcp\n}\n", guestPath(t, "ok")))
	empty := mustMCPSession(t, base+"/mcp", tester.Client.Transport)
	if caps := empty.InitializeResult().Capabilities; caps.Tools == nil || caps.Tools.ListChanged {
		t.Errorf("capabilities = %+v, want tools without listChanged (tools change only with a reload)", caps)
	}
	if names := toolNames(t, empty); len(names) != 0 {
		t.Errorf("tools of a site without any = %v, want none", names)
	}
}

// Two handlers with one tool name in a route's scope, or a named tool no
// handler has, make every request of that MCP route a 500 that the log
// explains.
func TestMCPToolNameErrors(t *testing.T) {
	anything := writeFile(t, "any.schema.json", `{"type":"object"}`)
	ok := guestPath(t, "ok")
	tester, logFile := server(t, fmt.Sprintf(`http://127.0.0.1:9080 {
	gojinn /a %[1]s {
		name first
		tool {
			name dup
			input_schema %[2]s
		}
	}
	gojinn /b %[1]s {
		name second
		tool {
			name dup
			input_schema %[2]s
		}
	}
	gojinn_mcp /mcp
	gojinn_mcp /missing {
		tools nope
	}
}
`, ok, anything))
	for path, want := range map[string]string{
		"/mcp":     `two handlers have the tool "dup" (first and second)`,
		"/missing": `no handler of this config has the tool "nope"`,
	} {
		if _, err := mcpSession(t, base+path, tester.Client.Transport); err == nil || !strings.Contains(err.Error(), "Internal Server Error") {
			t.Errorf("%s: connect err = %v, want 500", path, err)
		}
		waitForLog(t, logFile, "http.handlers.gojinn_mcp", func(e map[string]any) bool {
			return strings.Contains(fmt.Sprint(e["error"]), want)
		})
	}
}

// A request that reached a loopback address with a public Host (as from a
// tunnel) gets the SDK's DNS-rebinding 403, unless the route disables
// that protection.
func TestMCPLocalhostProtection(t *testing.T) {
	tester, _ := server(t, `:9080 {
	gojinn_mcp /mcp
	gojinn_mcp /tunnel {
		disable_localhost_protection
	}
}
`)
	for path, want := range map[string]int{"/mcp": http.StatusForbidden, "/tunnel": http.StatusOK} {
		req := newRequest(t, http.MethodPost, base+path, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Host = "mcp.example.com"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if resp, body := do(t, tester, req); resp.StatusCode != want {
			t.Errorf("%s with Host mcp.example.com: %d %s, want %d", path, resp.StatusCode, body, want)
		}
	}
}
