package gojinn

import "github.com/caddyserver/caddy/v2"

// MQTT is a placeholder being built this session (docs/events.md).
type MQTT struct{}

func (*MQTT) provision(caddy.Context, *App) error { return nil }
func (*MQTT) start() error                        { return nil }
func (*MQTT) stop() error                         { return nil }
func (*MQTT) cleanup()                            {}
