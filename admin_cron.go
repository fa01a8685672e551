package gojinn

import (
	"net/http"

	"github.com/caddyserver/caddy/v2"
)

func init() {
	caddy.RegisterModule(adminCron{})
}

// adminCron is the Caddy admin module `admin.api.gojinn_cron`: the route
// GET /gojinn/cron of docs/events.md, beside admin.api.gojinn's queue
// routes, on Caddy's admin listener only.
type adminCron struct{}

// CaddyModule returns the Caddy module information.
func (adminCron) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "admin.api.gojinn_cron",
		New: func() caddy.Module { return new(adminCron) },
	}
}

// Routes returns the admin routes.
func (adminCron) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{{Pattern: "/gojinn/cron", Handler: caddy.AdminHandlerFunc(serveCron)}}
}

// serveCron answers GET /gojinn/cron: the running config's schedules.
func serveCron(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	app, err := runningApp()
	if err != nil {
		return err
	}
	return writeJSON(w, app.cronStatus())
}

var _ caddy.AdminRouter = adminCron{}
