package gojinn

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/gojinn/gojinn/sandbox"
)

// callTool answers tools/call: the arguments, once valid against the
// tool's input schema, are the body of a POST to /<tool name> run by the
// handler's compiled module, as a queue's job is (Invoke). The response
// body is the result's text; a status of 400 or more, or a failed run,
// sets isError.
func (g *Gojinn) callTool(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	args := req.Params.Arguments
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	if int64(len(args)) > g.maxBodySize {
		return toolError(fmt.Sprintf("arguments of %d bytes exceed the handler's max_body_size (%d)", len(args), g.maxBodySize)), nil
	}
	var v any
	if err := json.Unmarshal(args, &v); err != nil {
		return toolError("invalid arguments: " + err.Error()), nil
	}
	if err := g.Tool.resolved.Validate(v); err != nil {
		return toolError("invalid arguments: " + err.Error()), nil
	}
	var header http.Header
	if req.Extra != nil {
		header = req.Extra.Header
	}
	inv := g.Invoke(ctx, &sandbox.Request{
		Method:  http.MethodPost,
		URI:     "/" + g.Tool.Name,
		Headers: map[string][]string{"Content-Type": {"application/json"}},
		Body:    args,
		TraceID: traceIDOf(header),
	})
	if inv.Response == nil {
		return toolError(fmt.Sprintf("the handler failed (%s, status %d)", inv.Outcome, inv.Status)), nil
	}
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(inv.Response.Body)}}}
	res.IsError = inv.Status >= 400
	return res, nil
}

func toolError(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, IsError: true}
}
