package gojinn

import "github.com/caddyserver/caddy/v2"

// Cron is a placeholder being built this session (docs/events.md).
type Cron struct{}

func (*Cron) provision(caddy.Context, *App) error { return nil }
func (*Cron) start() error                        { return nil }
func (*Cron) stop() error                         { return nil }
func (*Cron) cleanup()                            {}
