package gojinn

import (
	"fmt"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// trigger runs functions on events rather than HTTP requests: a queue's
// jobs, a schedule's ticks, MQTT messages (docs/events.md). The app
// provisions its triggers with its own Provision, starts them in Start
// and stops them in Stop.
type trigger interface {
	// provision checks the trigger's settings and provisions its
	// functions (provisionFunction).
	provision(ctx caddy.Context, app *App) error
	// start begins running functions for events.
	start() error
	// stop ends the trigger: no new runs start; runs in flight finish
	// within their grace period.
	stop() error
	// cleanup releases the trigger's functions.
	cleanup()
}

// globalOptions are the gojinn global options defined beside their
// features (triggers, cluster, signatures, crash recording), each parsed
// by its feature's file into the app, which refuses a repetition it
// does not allow.
var globalOptions = map[string]func(d *caddyfile.Dispenser, app *App) error{}

// provisionFunction provisions fn, the function of a trigger, named
// (in metrics, logs) by label, e.g. "queue:orders". Its kv grants use
// app directly: the app is being provisioned, so ctx.App would not find
// it.
func provisionFunction(ctx caddy.Context, app *App, fn *Gojinn, label string) error {
	if fn == nil || fn.Path == "" {
		return fmt.Errorf("gojinn: %s: no WebAssembly module path given", label)
	}
	if fn.Name == "" {
		fn.Name = label
	}
	fn.app = app
	return fn.Provision(ctx)
}
