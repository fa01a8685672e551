package gojinn

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/dustin/go-humanize"
)

func init() {
	// Registered as a plain directive, not a handler directive, so that a
	// lone argument starting with "/" is the module's path, not a matcher
	// (as with Caddy's own `root`).
	httpcaddyfile.RegisterDirective("gojinn", parseCaddyfile)
	// Ordered among the handlers that answer requests, before file_server,
	// so no `order` line is needed (one is still accepted).
	httpcaddyfile.RegisterDirectiveOrder("gojinn", httpcaddyfile.Before, "file_server")
}

// parseCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	gojinn [<matcher>] <path/to/handler.wasm> {
//	    name            <name>
//	    timeout         <duration>
//	    memory_limit    <size>
//	    pool_size       <int>
//	    max_concurrency <int>
//	    queue_timeout   <duration>
//	    max_body_size   <size>
//	    max_output_size <size>
//	    env             <KEY> <VALUE>
//	    args            <arg...>
//	    cache_dir       <path>|off
//	    debug_secret    <secret>
//	}
//
// With one argument, it is the module's path; with two, the first is a matcher.
func parseCaddyfile(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	h.Next() // the directive's name
	var matcher caddy.ModuleMap
	switch h.CountRemainingArgs() {
	case 0:
		return nil, h.Err("gojinn: the path of a WebAssembly module is required")
	case 1:
	case 2:
		m, err := h.ExtractMatcherSet()
		if err != nil {
			return nil, err
		}
		matcher = m
		h.Next() // the directive's name again: ExtractMatcherSet rewinds
	default:
		return nil, h.Errf("gojinn: too many arguments %v: want [<matcher>] <path>", h.RemainingArgs())
	}
	g := new(Gojinn)
	if err := g.unmarshalArgsAndBlock(h.Dispenser); err != nil {
		return nil, err
	}
	return h.NewRoute(matcher, g), nil
}

// UnmarshalCaddyfile sets up the handler from `gojinn <path> { ... }`
// (no matcher: the directive's parser takes that).
func (g *Gojinn) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	return g.unmarshalArgsAndBlock(d)
}

func (g *Gojinn) unmarshalArgsAndBlock(d *caddyfile.Dispenser) error {
	if !d.NextArg() {
		return d.Err("gojinn: the path of a WebAssembly module is required")
	}
	g.Path = d.Val()
	if d.NextArg() {
		return d.Errf("gojinn: unexpected argument %q after the module path", d.Val())
	}
	for d.NextBlock(0) {
		option := d.Val()
		var err error
		switch option {
		case "name":
			g.Name, err = oneArg(d)
		case "timeout":
			g.Timeout, err = durationArg(d)
		case "queue_timeout":
			g.QueueTimeout, err = durationArg(d)
		case "memory_limit":
			g.MemoryLimit, err = sizeArg(d)
		case "max_body_size":
			g.MaxBodySize, err = sizeArg(d)
		case "max_output_size":
			g.MaxOutputSize, err = sizeArg(d)
		case "pool_size":
			g.PoolSize, err = intArg(d)
		case "max_concurrency":
			g.MaxConcurrency, err = intArg(d)
		case "cache_dir":
			g.CacheDir, err = oneArg(d)
		case "debug_secret":
			g.DebugSecret, err = oneArg(d)
		case "env":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("gojinn: env takes a name and a value, got %d arguments", len(args))
			}
			if g.Env == nil {
				g.Env = map[string]string{}
			}
			g.Env[args[0]] = args[1]
		case "args":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Err("gojinn: args needs at least one argument")
			}
			g.Args = append(g.Args, args...)
		default:
			return d.Errf("gojinn: unknown subdirective %q", option)
		}
		if err != nil {
			return err
		}
		if d.NextBlock(1) {
			return d.Errf("gojinn: %s takes no block", option)
		}
	}
	return nil
}

func oneArg(d *caddyfile.Dispenser) (string, error) {
	option := d.Val()
	args := d.RemainingArgs()
	if len(args) != 1 {
		return "", d.Errf("gojinn: %s takes exactly one argument, got %d", option, len(args))
	}
	return args[0], nil
}

func durationArg(d *caddyfile.Dispenser) (caddy.Duration, error) {
	option := d.Val()
	v, err := oneArg(d)
	if err != nil {
		return 0, err
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil || dur < 0 {
		return 0, d.Errf("gojinn: %s: %q is not a valid duration (e.g. 30s, 1m30s)", option, v)
	}
	return caddy.Duration(dur), nil
}

func sizeArg(d *caddyfile.Dispenser) (int64, error) {
	option := d.Val()
	v, err := oneArg(d)
	if err != nil {
		return 0, err
	}
	n, err := humanize.ParseBytes(v)
	if err != nil || n == 0 || n > 1<<50 {
		return 0, d.Errf("gojinn: %s: %q is not a valid size (e.g. 16MB, 64MiB)", option, v)
	}
	return int64(n), nil
}

func intArg(d *caddyfile.Dispenser) (int, error) {
	option := d.Val()
	v, err := oneArg(d)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, d.Errf("gojinn: %s: %q is not a whole number >= 0", option, v)
	}
	return n, nil
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Gojinn)(nil)
