package gojinn

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(MCP{})
	httpcaddyfile.RegisterHandlerDirective("gojinn_mcp", parseMCPCaddyfile)
	// Before reverse_proxy, and so before gojinn and file_server: a site's
	// catch-all handler must not swallow its MCP route. No `order` line.
	httpcaddyfile.RegisterDirectiveOrder("gojinn_mcp", httpcaddyfile.Before, "reverse_proxy")
}

// MCP serves the Model Context Protocol (Streamable HTTP transport) at its
// route: the tools are the gojinn handlers that have a `tool` block
// (docs/mcp.md). The route's own matchers and auth are the only auth a
// tool call gets.
type MCP struct {
	// Tools, when given, are exactly the tools served, by name, from any
	// site of the config. Default: the tools of the handlers in this
	// route's server whose host matchers accept the MCP request's host
	// (in a Caddyfile: the site block's own).
	Tools []string `json:"tools,omitempty"`

	// DisableLocalhostProtection turns off the SDK's DNS-rebinding
	// protection, which answers 403 to a request that arrived on a
	// loopback address with a Host that is not a loopback name: needed
	// when a tunnel (cloudflared, ssh -R) hands public requests to a Caddy
	// listening on loopback. Default: false (protected).
	DisableLocalhostProtection bool `json:"disable_localhost_protection,omitempty"`

	ctx     caddy.Context
	logger  *zap.Logger
	options *mcp.StreamableHTTPOptions

	servers *toolServers
}

// toolServers are the MCP servers of the sets of tools seen, in this
// config.
type toolServers struct {
	sync.Mutex
	list []toolServer
}

// toolServer is the MCP server of one set of tools, and the transport
// that serves it.
type toolServer struct {
	tools   []*Gojinn
	handler *mcp.StreamableHTTPHandler
}

// maxToolServers bounds the servers kept: a set of tools depends only on the
// config and the request's host, so more sets than this are unusual.
const maxToolServers = 64

// CaddyModule returns the Caddy module information.
func (MCP) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.gojinn_mcp",
		New: func() caddy.Module { return new(MCP) },
	}
}

// Provision sets up the transport.
func (m *MCP) Provision(ctx caddy.Context) error {
	m.ctx, m.logger, m.servers = ctx, ctx.Logger(), new(toolServers)
	for _, name := range m.Tools {
		if !toolName.MatchString(name) {
			return fmt.Errorf("gojinn_mcp: tool name %q: want 1 to 128 of A-Z a-z 0-9 _ - .", name)
		}
	}
	m.options = &mcp.StreamableHTTPOptions{
		// Every request stands alone: nothing to keep across reloads, and
		// any instance can answer.
		Stateless:                  true,
		JSONResponse:               true,
		DisableLocalhostProtection: m.DisableLocalhostProtection,
	}
	return nil
}

// ServeHTTP answers an MCP request with the server of this request's tools.
func (m *MCP) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	tools, err := m.toolsFor(r)
	if err != nil {
		m.logger.Error("tools unavailable", zap.Error(err))
		return caddyhttp.Error(http.StatusInternalServerError, err)
	}
	m.handlerOf(tools).ServeHTTP(w, r)
	return nil
}

// toolsFor returns the tools r may see, sorted by name.
func (m *MCP) toolsFor(r *http.Request) ([]*Gojinn, error) {
	found := map[string][]*Gojinn{}
	if len(m.Tools) == 0 {
		srv, ok := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
		if !ok {
			return nil, fmt.Errorf("gojinn_mcp: not in an http server")
		}
		collectTools(srv.Routes, r, found)
	} else {
		app, err := m.ctx.AppIfConfigured("http")
		if err != nil {
			return nil, fmt.Errorf("gojinn_mcp: %w", err)
		}
		for _, srv := range app.(*caddyhttp.App).Servers {
			collectTools(srv.Routes, nil, found)
		}
		for name := range found {
			if !slices.Contains(m.Tools, name) {
				delete(found, name)
			}
		}
		for _, name := range m.Tools {
			if len(found[name]) == 0 {
				return nil, fmt.Errorf("gojinn_mcp: no handler of this config has the tool %q", name)
			}
		}
	}
	tools := make([]*Gojinn, 0, len(found))
	for name, gs := range found {
		if len(gs) > 1 {
			return nil, fmt.Errorf("gojinn_mcp: two handlers have the tool %q (%s and %s): name one of them otherwise", name, gs[0].name, gs[1].name)
		}
		tools = append(tools, gs[0])
	}
	slices.SortFunc(tools, func(a, b *Gojinn) int { return strings.Compare(a.Tool.Name, b.Tool.Name) })
	return tools, nil
}

// collectTools adds the tool handlers of routes, and of their subroutes,
// to found by tool name. With r, a route whose host matchers reject r's
// host is another site's and is skipped; its other matchers are not
// consulted (a tool's route has its own path).
func collectTools(routes caddyhttp.RouteList, r *http.Request, found map[string][]*Gojinn) {
	for _, route := range routes {
		if r != nil && !hostsAccept(route.MatcherSets, r) {
			continue
		}
		for _, h := range route.Handlers {
			switch h := h.(type) {
			case *Gojinn:
				if h.Tool != nil && !slices.Contains(found[h.Tool.Name], h) {
					found[h.Tool.Name] = append(found[h.Tool.Name], h)
				}
			case *caddyhttp.Subroute:
				collectTools(h.Routes, r, found)
			}
		}
	}
}

// hostsAccept tells whether one of sets has no host matcher that rejects r.
func hostsAccept(sets caddyhttp.MatcherSets, r *http.Request) bool {
	if len(sets) == 0 {
		return true
	}
	for _, set := range sets {
		accepted := true
		for _, matcher := range set {
			var host caddyhttp.MatchHost
			switch m := matcher.(type) {
			case caddyhttp.MatchHost:
				host = m
			case *caddyhttp.MatchHost:
				host = *m
			default:
				continue
			}
			if ok, err := host.MatchWithError(r); err != nil || !ok {
				accepted = false
			}
		}
		if accepted {
			return true
		}
	}
	return false
}

// handlerOf returns the transport serving the MCP server of tools, made
// on first use. A handler per server, rather than one that finds the
// server in the request's context, spares every request a clone.
func (m *MCP) handlerOf(tools []*Gojinn) *mcp.StreamableHTTPHandler {
	m.servers.Lock()
	defer m.servers.Unlock()
	for _, ts := range m.servers.list {
		if slices.Equal(ts.tools, tools) {
			return ts.handler
		}
	}
	// The tools capability even without tools, so a client lists them;
	// no listChanged: tools change only with a config reload, when this
	// server is gone.
	s := mcp.NewServer(&mcp.Implementation{Name: "gojinn"}, &mcp.ServerOptions{
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{}},
	})
	for _, g := range tools {
		s.AddTool(&mcp.Tool{
			Name:        g.Tool.Name,
			Description: g.Tool.Description,
			InputSchema: g.Tool.schema,
		}, g.callTool)
	}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, m.options)
	if len(m.servers.list) < maxToolServers {
		m.servers.list = append(m.servers.list, toolServer{tools, h})
	}
	return h
}

// parseMCPCaddyfile reads
//
//	gojinn_mcp [<matcher>] {
//	    tools <name...>
//	    disable_localhost_protection
//	}
func parseMCPCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(MCP)
	return m, m.UnmarshalCaddyfile(h.Dispenser)
}

// UnmarshalCaddyfile sets up the handler from `gojinn_mcp { tools ... }`.
func (m *MCP) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	if d.NextArg() {
		return d.Errf("gojinn_mcp takes no arguments besides a matcher, got %q", d.Val())
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "tools":
			names := d.RemainingArgs()
			if len(names) == 0 {
				return d.Err("tools takes one or more tool names")
			}
			for _, name := range names {
				if slices.Contains(m.Tools, name) {
					return d.Errf("tool %q is named twice", name)
				}
				if !toolName.MatchString(name) {
					return d.Errf("tool name %q: want 1 to 128 of A-Z a-z 0-9 _ - .", name)
				}
			}
			m.Tools = append(m.Tools, names...)
		case "disable_localhost_protection":
			if d.NextArg() {
				return d.Errf("disable_localhost_protection takes no argument, got %q", d.Val())
			}
			m.DisableLocalhostProtection = true
		default:
			return d.Errf("unknown gojinn_mcp subdirective %q (want tools or disable_localhost_protection)", d.Val())
		}
	}
	return nil
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*MCP)(nil)
	_ caddyhttp.MiddlewareHandler = (*MCP)(nil)
	_ caddyfile.Unmarshaler       = (*MCP)(nil)
)
