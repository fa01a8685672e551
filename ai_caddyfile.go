package gojinn

import "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

func init() {
	globalOptions["ai"] = parseAIOption
	handlerOptions["ai"] = handlerOption{parse: func(d *caddyfile.Dispenser, g *Gojinn) error {
		if d.NextArg() {
			return d.Errf("ai takes no argument, got %q", d.Val())
		}
		g.AI = true
		return nil
	}}
}

// parseAIOption reads the app's ai block (docs/ai.md):
//
//	ai {
//	    endpoint     <base URL>
//	    model        <default model>
//	    api_key      <key, e.g. {env.OPENAI_API_KEY}>
//	    timeout      <duration>
//	    max_response <size>
//	}
//
// endpoint is required; every line once.
func parseAIOption(d *caddyfile.Dispenser, app *App) error {
	if app.AI != nil {
		return d.Err("ai is given twice")
	}
	if d.NextArg() {
		return d.Errf("ai takes only a block, got %q", d.Val())
	}
	cfg := new(AIConfig)
	given := map[string]bool{}
	for d.NextBlock(1) {
		option := d.Val()
		if given[option] {
			return d.Errf("ai: %s is given twice", option)
		}
		given[option] = true
		var err error
		switch option {
		case "endpoint":
			cfg.Endpoint, err = oneArg(d)
		case "model":
			cfg.Model, err = oneArg(d)
		case "api_key":
			cfg.APIKey, err = oneArg(d)
		case "timeout":
			cfg.Timeout, err = durationArg(d)
		case "max_response":
			cfg.MaxResponse, err = sizeArg(d)
		default:
			return d.Errf("ai: unknown option %q (endpoint, model, api_key, timeout, max_response)", option)
		}
		if err != nil {
			return err
		}
	}
	if cfg.Endpoint == "" {
		return d.Err("ai: endpoint is required")
	}
	app.AI = cfg
	return nil
}
