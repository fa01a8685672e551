package gojinn

import (
	"slices"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/dustin/go-humanize"

	"github.com/gojinn/gojinn/host/fetch"
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
//	    max_queue       <int>
//	    queue_timeout   <duration>
//	    max_body_size   <size>
//	    max_output_size <size>
//	    fuel_limit      <int>
//	    env             <KEY> <VALUE>
//	    args            <arg...>
//	    cache_dir       <path>|off
//	    debug_secret    <secret>
//	    kv              <store> [read|readwrite]
//	    fetch           <origin...>
//	    fetch_timeout   <duration>
//	    fetch_max_body  <size>
//	    fetch_max_calls <int>
//	    enqueue         <queue...>
//	}
//
// With one argument, it is the module's path; with two, the first is a
// matcher. Each subdirective may be given once, except env and kv (once
// per name) and args, fetch and enqueue (appended; a queue once). Limits must be greater than 0 (pool_size may be 0):
// omitting one is how to get its default.
func parseCaddyfile(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	h.Next() // the directive's name
	var matcher caddy.ModuleMap
	switch h.CountRemainingArgs() {
	case 0:
		return nil, h.Err("the path of a WebAssembly module is required")
	case 1:
	case 2:
		m, err := h.ExtractMatcherSet()
		if err != nil {
			return nil, err
		}
		matcher = m
		h.Next() // the directive's name again: ExtractMatcherSet rewinds
	default:
		return nil, h.Errf("too many arguments %v: want [<matcher>] <path>", h.RemainingArgs())
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
		return d.Err("the path of a WebAssembly module is required")
	}
	g.Path = d.Val()
	if d.NextArg() {
		return d.Errf("unexpected argument %q after the module path", d.Val())
	}
	return g.unmarshalBlock(d, nil)
}

// extraOption reads a subdirective that is not the handler's own (a
// queue's max_attempts, say) and reports whether it knew it. It is
// called with the dispenser on the option's name.
type extraOption func(d *caddyfile.Dispenser, option string) (known bool, err error)

// unmarshalBlock reads the handler's subdirectives, and those extra
// knows, from the block that follows: a triggered function (a queue's,
// a cron job's) takes the same ones as an HTTP handler.
func (g *Gojinn) unmarshalBlock(d *caddyfile.Dispenser, extra extraOption) error {
	given := map[string]bool{} // subdirectives seen, each allowed once
	for d.NextBlock(0) {
		option := d.Val()
		if given[option] && !repeatable[option] && !handlerOptions[option].repeatable {
			return d.Errf("%s is given twice", option)
		}
		given[option] = true
		if extra != nil {
			known, err := extra(d, option)
			if err != nil {
				return err
			}
			if known {
				if d.NextBlock(1) {
					return d.Errf("%s takes no block", option)
				}
				continue
			}
		}
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
			g.PoolSize, err = intArg(d, 0)
		case "max_concurrency":
			g.MaxConcurrency, err = intArg(d, 1)
		case "max_queue":
			g.MaxQueue, err = intArg(d, 1)
		case "fuel_limit":
			var n int
			n, err = intArg(d, 1)
			g.FuelLimit = int64(n)
		case "cache_dir":
			g.CacheDir, err = oneArg(d)
		case "debug_secret":
			g.DebugSecret, err = oneArg(d)
		case "env":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("env takes a name and a value, got %d arguments", len(args))
			}
			if _, dup := g.Env[args[0]]; dup {
				return d.Errf("env %s is given twice", args[0])
			}
			if g.Env == nil {
				g.Env = map[string]string{}
			}
			g.Env[args[0]] = args[1]
		case "args":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Err("args needs at least one argument")
			}
			g.Args = append(g.Args, args...)
		case "kv":
			err = g.unmarshalKV(d)
		case "fetch":
			err = g.unmarshalFetch(d)
		case "fetch_timeout":
			g.FetchTimeout, err = durationArg(d)
		case "fetch_max_body":
			g.FetchMaxBody, err = sizeArg(d)
		case "fetch_max_calls":
			g.FetchMaxCalls, err = intArg(d, 1)
		case "enqueue":
			err = g.unmarshalEnqueue(d)
		default:
			o, ok := handlerOptions[option]
			if !ok {
				return d.Errf("unknown subdirective %q", option)
			}
			if err := o.parse(d, g); err != nil {
				return err
			}
			if o.block {
				continue
			}
		}
		if err != nil {
			return err
		}
		if d.NextBlock(1) {
			return d.Errf("%s takes no block", option)
		}
	}
	return nil
}

// handlerOption is a handler subdirective defined beside the feature it
// configures, in that feature's file, which adds it to handlerOptions
// from an init function.
type handlerOption struct {
	// parse reads the option, the dispenser on its name.
	parse func(d *caddyfile.Dispenser, g *Gojinn) error
	// repeatable allows the option more than once.
	repeatable bool
	// block says parse reads the option's own block, if any; otherwise a
	// block after the option is an error.
	block bool
}

// handlerOptions are the handler subdirectives registered by their
// features' files.
var handlerOptions = map[string]handlerOption{}

// repeatable are the subdirectives that may be given more than once.
var repeatable = map[string]bool{"env": true, "args": true, "kv": true, "fetch": true, "enqueue": true}

// unmarshalKV reads `kv <store> [read|readwrite]`.
func (g *Gojinn) unmarshalKV(d *caddyfile.Dispenser) error {
	store, readOnly, err := grantArgs(d, "kv", "store")
	if err != nil {
		return err
	}
	for _, other := range g.KV {
		if other.Store == store {
			return d.Errf("kv %s is given twice", store)
		}
	}
	g.KV = append(g.KV, KVGrant{Store: store, ReadOnly: readOnly})
	return nil
}

// grantArgs reads the arguments of a grant `<directive> <name>
// [read|readwrite]` (kv, sql): the name, checked as a store name is, and
// whether the grant only reads.
func grantArgs(d *caddyfile.Dispenser, directive, what string) (name string, readOnly bool, err error) {
	args := d.RemainingArgs()
	if len(args) < 1 || len(args) > 2 {
		return "", false, d.Errf("%s takes a %s name and an optional mode (read or readwrite), got %d arguments", directive, what, len(args))
	}
	name = args[0]
	if !storeName.MatchString(name) {
		return "", false, d.Errf("%s: %q is not a valid %s name (1 to 64 letters, digits, '_' or '-')", directive, name, what)
	}
	if len(args) == 2 {
		switch args[1] {
		case "read":
			readOnly = true
		case "readwrite":
		default:
			return "", false, d.Errf("%s %s: unknown mode %q: want read or readwrite", directive, name, args[1])
		}
	}
	return name, readOnly, nil
}

// unmarshalEnqueue reads `enqueue <queue...>`: names of queues, each
// once. That the gojinn app has them is checked at load.
func (g *Gojinn) unmarshalEnqueue(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.Err("enqueue needs at least one queue name")
	}
	for _, q := range args {
		if !storeName.MatchString(q) {
			return d.Errf("enqueue: %q is not a valid queue name (1 to 64 letters, digits, '_' or '-')", q)
		}
		if slices.Contains(g.Enqueue, q) {
			return d.Errf("enqueue %s is given twice", q)
		}
		g.Enqueue = append(g.Enqueue, q)
	}
	return nil
}

// unmarshalFetch reads `fetch <origin...>`, checking each entry now so
// that a bad one names its line.
func (g *Gojinn) unmarshalFetch(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.Err("fetch needs at least one origin, e.g. https://api.example.com")
	}
	for _, a := range args {
		if strings.Contains(a, "{") { // a placeholder: checked once resolved, at load
			continue
		}
		if _, err := fetch.ParseRule(a); err != nil {
			return d.Errf("fetch: %v", err)
		}
	}
	g.Fetch = append(g.Fetch, args...)
	return nil
}

func oneArg(d *caddyfile.Dispenser) (string, error) {
	option := d.Val()
	args := d.RemainingArgs()
	if len(args) != 1 {
		return "", d.Errf("%s takes exactly one argument, got %d", option, len(args))
	}
	return args[0], nil
}

// notPositive is the error for a zero or negative limit: the Caddyfile has
// no way to spell "the default" but to leave the subdirective out.
func notPositive(d *caddyfile.Dispenser, option string) error {
	return d.Errf("%s must be greater than 0; omit it for the default", option)
}

func durationArg(d *caddyfile.Dispenser) (caddy.Duration, error) {
	option := d.Val()
	v, err := oneArg(d)
	if err != nil {
		return 0, err
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil {
		return 0, d.Errf("%s: %q is not a valid duration (e.g. 30s, 1m30s)", option, v)
	}
	if dur <= 0 {
		return 0, notPositive(d, option)
	}
	return caddy.Duration(dur), nil
}

func sizeArg(d *caddyfile.Dispenser) (int64, error) {
	option := d.Val()
	v, err := oneArg(d)
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(v, "-") {
		return 0, notPositive(d, option)
	}
	n, err := humanize.ParseBytes(v)
	if err != nil || n > 1<<50 {
		return 0, d.Errf("%s: %q is not a valid size (e.g. 16MB, 64MiB)", option, v)
	}
	if n == 0 {
		return 0, notPositive(d, option)
	}
	return int64(n), nil
}

// intArg reads a whole number of at least lowest (0 or 1).
func intArg(d *caddyfile.Dispenser, lowest int) (int, error) {
	option := d.Val()
	v, err := oneArg(d)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, d.Errf("%s: %q is not a whole number", option, v)
	}
	if n < lowest {
		if lowest == 1 {
			return 0, notPositive(d, option)
		}
		return 0, d.Errf("%s must not be negative", option)
	}
	return n, nil
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Gojinn)(nil)
