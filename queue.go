package gojinn

import "github.com/caddyserver/caddy/v2"

// Queue is a placeholder being built this session (docs/events.md).
type Queue struct{}

func (*Queue) provision(caddy.Context, *App) error { return nil }
func (*Queue) start() error                        { return nil }
func (*Queue) stop() error                         { return nil }
func (*Queue) cleanup()                            {}
