package gojinn

import (
	"embed"
	"net/http"
	"path"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	caddy.RegisterModule(Dashboard{})
	httpcaddyfile.RegisterHandlerDirective("gojinn_dashboard", parseDashboard)
	// Among the handlers that answer requests, as gojinn is: no `order`
	// line is needed.
	httpcaddyfile.RegisterDirectiveOrder("gojinn_dashboard", httpcaddyfile.Before, "file_server")
}

// dashboardAssets are the page and its script and stylesheet: plain
// files, no build step.
//
//go:embed dashboard
var dashboardAssets embed.FS

// Dashboard is the Caddy module `http.handlers.gojinn_dashboard`: a
// read-only web page of the process's handlers (requests/s, error rate,
// latency, fuel), recent crashes and queues, refreshed every second from
// its own JSON (docs/dashboard.md). It answers only GET and HEAD, and
// only where the operator places it: put it on a loopback-bound site or
// behind basic_auth.
//
// It serves, relative to wherever it is mounted (a path prefix is kept
// or stripped alike, the page's links being relative): the page at a
// path ending in "/" or "/index.html", "/dashboard.js",
// "/dashboard.css", and the data at "/state.json"; anything else is 404.
type Dashboard struct{}

// CaddyModule returns the Caddy module information.
func (Dashboard) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.gojinn_dashboard",
		New: func() caddy.Module { return new(Dashboard) },
	}
}

// parseDashboard sets up the handler from `gojinn_dashboard` (no
// arguments, no block; a matcher may come before, as for any handler).
func parseDashboard(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	h.Next()
	if h.NextArg() {
		return nil, h.ArgErr()
	}
	if h.NextBlock(0) {
		return nil, h.Errf("gojinn_dashboard takes no block (unknown %q)", h.Val())
	}
	return new(Dashboard), nil
}

// dashboardCSP keeps the page to its own files and its own JSON.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// ServeHTTP serves the page, its assets and its JSON.
func (Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	h := w.Header()
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		return caddyhttp.Error(http.StatusMethodNotAllowed, nil)
	}
	name := path.Base(r.URL.Path)
	if strings.HasSuffix(r.URL.Path, "/") {
		name = "index.html"
	}
	switch name {
	case "state.json":
		return writeJSON(w, dashboardStateNow(r.Context()))
	case "index.html", "dashboard.js", "dashboard.css":
		return serveDashboardAsset(w, r, name)
	}
	return caddyhttp.Error(http.StatusNotFound, nil)
}

var dashboardTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

func serveDashboardAsset(w http.ResponseWriter, r *http.Request, name string) error {
	b, err := dashboardAssets.ReadFile("dashboard/" + name)
	if err != nil {
		return caddyhttp.Error(http.StatusInternalServerError, err)
	}
	w.Header().Set("Content-Type", dashboardTypes[path.Ext(name)])
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	_, err = w.Write(b)
	return err
}

// Interface guard.
var _ caddyhttp.MiddlewareHandler = (*Dashboard)(nil)
