package gojinn

import (
	"slices"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/objstore"
)

func init() {
	globalOptions["object_store"] = parseObjectStoreOption
	handlerOptions["objects"] = handlerOption{parse: parseObjectsGrant, repeatable: true}
}

// parseObjectStoreOption reads an app's object store (docs/objects.md):
//
//	object_store <name> s3 {
//	    endpoint   <url>
//	    region     <region>
//	    bucket     <bucket>
//	    access_key <key, e.g. {env.S3_ACCESS_KEY}>
//	    secret_key <key, e.g. {env.S3_SECRET_KEY}>
//	    path_style
//	    max_object <size>
//	    timeout    <duration>
//	}
//
// Repeatable, each name once; endpoint and bucket are required, every
// line once.
func parseObjectStoreOption(d *caddyfile.Dispenser, app *App) error {
	args := d.RemainingArgs()
	if len(args) != 2 || args[1] != "s3" {
		return d.Errf("object_store takes a name and the type s3, then a block, got %q", args)
	}
	name := args[0]
	if !storeName.MatchString(name) {
		return d.Errf("object_store: %q is not a valid name (1 to 64 letters, digits, '_' or '-')", name)
	}
	if _, dup := app.ObjectStores[name]; dup {
		return d.Errf("object_store %s is given twice", name)
	}
	cfg := new(ObjectStoreConfig)
	given := map[string]bool{}
	for d.NextBlock(1) {
		option := d.Val()
		if given[option] {
			return d.Errf("object_store %s: %s is given twice", name, option)
		}
		given[option] = true
		var err error
		switch option {
		case "endpoint":
			if cfg.Endpoint, err = oneArg(d); err == nil && !isPlaceholder(cfg.Endpoint) {
				if err = objstore.CheckEndpoint(cfg.Endpoint); err != nil {
					err = d.Errf("object_store %s: %v", name, err)
				}
			}
		case "region":
			cfg.Region, err = oneArg(d)
		case "bucket":
			cfg.Bucket, err = oneArg(d)
		case "access_key":
			cfg.AccessKey, err = oneArg(d)
		case "secret_key":
			cfg.SecretKey, err = oneArg(d)
		case "path_style":
			if d.NextArg() {
				return d.Errf("object_store %s: path_style takes no argument, got %q", name, d.Val())
			}
			cfg.PathStyle = true
		case "max_object":
			cfg.MaxObject, err = sizeArg(d)
		case "timeout":
			cfg.Timeout, err = durationArg(d)
		default:
			return d.Errf("object_store %s: unknown option %q (endpoint, region, bucket, access_key, secret_key, path_style, max_object, timeout)", name, option)
		}
		if err != nil {
			return err
		}
	}
	for _, required := range []string{"endpoint", "bucket"} {
		if !given[required] {
			return d.Errf("object_store %s: %s is required", name, required)
		}
	}
	if app.ObjectStores == nil {
		app.ObjectStores = map[string]*ObjectStoreConfig{}
	}
	app.ObjectStores[name] = cfg
	return nil
}

// parseObjectsGrant reads `objects <name> [read|readwrite] [prefix <p>]`.
func parseObjectsGrant(d *caddyfile.Dispenser, g *Gojinn) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.Err("objects takes a store name, then optionally read or readwrite and prefix <p>")
	}
	grant := ObjectsGrant{Store: args[0]}
	if !storeName.MatchString(grant.Store) {
		return d.Errf("objects: %q is not a valid store name (1 to 64 letters, digits, '_' or '-')", grant.Store)
	}
	if slices.ContainsFunc(g.Objects, func(o ObjectsGrant) bool { return o.Store == grant.Store }) {
		return d.Errf("objects %s is given twice", grant.Store)
	}
	rest := args[1:]
	if len(rest) > 0 && (rest[0] == "read" || rest[0] == "readwrite") {
		grant.ReadOnly = rest[0] == "read"
		rest = rest[1:]
	}
	switch {
	case len(rest) == 2 && rest[0] == "prefix":
		grant.Prefix = rest[1]
		if !isPlaceholder(grant.Prefix) && !host.CheckObjectKey(grant.Prefix) {
			return d.Errf("objects %s: prefix %q is not a valid key prefix (1 to 1024 bytes, no . or .. segment)", grant.Store, grant.Prefix)
		}
	case len(rest) != 0:
		return d.Errf("objects %s: unexpected %q: want [read|readwrite] [prefix <p>]", grant.Store, rest)
	}
	g.Objects = append(g.Objects, grant)
	return nil
}
