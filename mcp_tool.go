package gojinn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/google/jsonschema-go/jsonschema"
)

func init() {
	handlerOptions["tool"] = handlerOption{parse: parseToolOption, block: true}
}

// MCPTool exposes a handler as a Model Context Protocol tool, served by
// the gojinn_mcp routes that list it (docs/mcp.md).
type MCPTool struct {
	// Name is the tool's name: 1 to 128 of A-Z a-z 0-9 _ - . (the MCP
	// specification's rule).
	Name string `json:"name"`

	// Description tells a model what the tool does.
	Description string `json:"description,omitempty"`

	// InputSchema is the path of a JSON Schema file (an object schema,
	// `"type": "object"`) that a call's arguments must satisfy. It is read
	// and checked at load; placeholders are resolved first.
	InputSchema string `json:"input_schema"`

	// schema is the file's JSON, sent as the tool's inputSchema.
	schema json.RawMessage
	// resolved validates a call's arguments.
	resolved *jsonschema.Resolved
}

// toolName is the MCP specification's rule for tool names (2025-11-25).
var toolName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

// provisionTool reads and checks the tool's input schema (from Provision).
func (g *Gojinn) provisionTool() error {
	t := g.Tool
	if t == nil {
		return nil
	}
	if g.app != nil {
		return fmt.Errorf("gojinn: %s: tool %q: only a route's handler can be a tool, not a queue's, cron job's or topic's function", g.Path, t.Name)
	}
	if !toolName.MatchString(t.Name) {
		return fmt.Errorf("gojinn: %s: tool name %q: want 1 to 128 of A-Z a-z 0-9 _ - .", g.Path, t.Name)
	}
	path := caddy.NewReplacer().ReplaceKnown(t.InputSchema, "")
	if path == "" {
		return fmt.Errorf("gojinn: %s: tool %q: no input_schema file given", g.Path, t.Name)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("gojinn: tool %q: input_schema: %w", t.Name, err)
	}
	t.schema, t.resolved, err = objectSchema(raw)
	if err != nil {
		return fmt.Errorf("gojinn: tool %q: input_schema %s: %w", t.Name, path, err)
	}
	return nil
}

// objectSchema checks that raw is a JSON Schema whose type is "object"
// and resolves it; it returns the schema compacted.
func objectSchema(raw []byte) (json.RawMessage, *jsonschema.Resolved, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if string(fields["type"]) != `"object"` {
		return nil, nil, fmt.Errorf(`"type" must be "object" (a tool's arguments are an object), got %s`, orNone(fields["type"]))
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, nil, fmt.Errorf("not a JSON Schema: %w", err)
	}
	resolved, err := s.Resolve(nil)
	if err != nil {
		return nil, nil, err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, nil, err
	}
	return compact.Bytes(), resolved, nil
}

func orNone(v json.RawMessage) string {
	if v == nil {
		return "none"
	}
	return string(v)
}

// parseToolOption reads
//
//	tool {
//	    name         <name>
//	    description  <text>
//	    input_schema <file.json>
//	}
func parseToolOption(d *caddyfile.Dispenser, g *Gojinn) error {
	if g.Tool != nil {
		return d.Err("tool is given twice")
	}
	if d.NextArg() {
		return d.Errf("tool takes a block, not arguments (%q)", d.Val())
	}
	t := new(MCPTool)
	for d.NextBlock(1) {
		option := d.Val()
		var field *string
		switch option {
		case "name":
			field = &t.Name
		case "description":
			field = &t.Description
		case "input_schema":
			field = &t.InputSchema
		default:
			return d.Errf("unknown tool subdirective %q (want name, description, input_schema)", option)
		}
		if *field != "" {
			return d.Errf("tool: %s is given twice", option)
		}
		v, err := oneArg(d)
		if err != nil {
			return err
		}
		if v == "" {
			return d.Errf("tool: %s must not be empty", option)
		}
		*field = v
		if d.NextBlock(2) {
			return d.Errf("tool: %s takes no block", option)
		}
	}
	switch {
	case t.Name == "":
		return d.Err("tool: name is required")
	case !toolName.MatchString(t.Name):
		return d.Errf("tool: name %q: want 1 to 128 of A-Z a-z 0-9 _ - .", t.Name)
	case t.InputSchema == "":
		return d.Err("tool: input_schema is required (a JSON Schema file; {\"type\":\"object\"} accepts any arguments)")
	}
	g.Tool = t
	return nil
}
