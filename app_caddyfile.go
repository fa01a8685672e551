package gojinn

import (
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
)

func init() {
	httpcaddyfile.RegisterGlobalOption("gojinn", parseGlobalOption)
}

// parseGlobalOption sets up the app `gojinn` from the global option
// block. Syntax:
//
//	gojinn {
//	    data_dir      <dir>
//	    nats_url      <url>
//	    nats_creds    <file>
//	    nats_prefix   <prefix>
//	    kv_max_value  <size>
//	    kv_max_bytes  <size>
//	    sync_interval <duration>|always
//	}
//
// Every option is optional and may be given once; the block itself once.
// Placeholders are kept as written and resolved when the config loads.
func parseGlobalOption(d *caddyfile.Dispenser, existing any) (any, error) {
	d.Next() // the option's name
	if existing != nil {
		return nil, d.Err("the gojinn global option block is given twice")
	}
	app := new(App)
	if d.NextArg() {
		return nil, d.Errf("unexpected argument %q: the gojinn global option takes only a block", d.Val())
	}
	given := map[string]bool{}
	for d.NextBlock(0) {
		option := d.Val()
		if parse, ok := globalOptions[option]; ok {
			if err := parse(d, app); err != nil {
				return nil, err
			}
			continue
		}
		if given[option] {
			return nil, d.Errf("%s is given twice", option)
		}
		given[option] = true
		var err error
		switch option {
		case "data_dir":
			app.DataDir, err = oneArg(d)
		case "nats_url":
			if app.Cluster != nil {
				return nil, d.Err(clusterWithNatsURL)
			}
			app.NatsURL, err = oneArg(d)
		case "nats_creds":
			app.NatsCreds, err = oneArg(d)
		case "nats_prefix":
			app.NatsPrefix, err = oneArg(d)
		case "kv_max_value":
			app.KVMaxValue, err = sizeArg(d)
		case "kv_max_bytes":
			app.KVMaxBytes, err = sizeArg(d)
		case "sync_interval":
			app.SyncInterval, err = syncArg(d)
		default:
			return nil, d.Errf("unknown gojinn global option %q", option)
		}
		if err != nil {
			return nil, err
		}
		if d.NextBlock(1) {
			return nil, d.Errf("%s takes no block", option)
		}
	}
	return httpcaddyfile.App{Name: "gojinn", Value: caddyconfig.JSON(app, nil)}, nil
}

// syncArg reads "always" or a duration greater than 0 (a placeholder is
// checked when the config loads).
func syncArg(d *caddyfile.Dispenser) (string, error) {
	v, err := oneArg(d)
	if err != nil || v == "always" || isPlaceholder(v) {
		return v, err
	}
	if dur, err := caddy.ParseDuration(v); err != nil || dur <= 0 {
		return "", d.Errf("sync_interval: %q is not always or a duration greater than 0 (e.g. 1s)", v)
	}
	return v, nil
}

func isPlaceholder(v string) bool { return len(v) > 2 && v[0] == '{' && v[len(v)-1] == '}' }
