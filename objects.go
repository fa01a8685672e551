package gojinn

import (
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/objstore"
)

// ObjectStoreConfig is one `object_store <name> s3 { ... }` block of the
// gojinn app (docs/objects.md): a bucket of an S3-compatible endpoint
// that handlers with an `objects` grant reach through the object_* host
// functions. Placeholders ({env.X}) are resolved at load; a load checks
// the block but never contacts the endpoint, so that a reload does not
// fail while it is down.
type ObjectStoreConfig struct {
	// Endpoint is the S3 API's URL, http or https, with no path:
	// "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000"
	// (MinIO). Required.
	Endpoint string `json:"endpoint"`

	// Region signs the requests: the bucket's region on AWS, "auto" on
	// Cloudflare R2, "garage" on Garage. Default: us-east-1.
	Region string `json:"region,omitempty"`

	// Bucket holds every object of the store. Required.
	Bucket string `json:"bucket"`

	// AccessKey and SecretKey sign the requests; write them as
	// placeholders ({env.S3_SECRET_KEY}) so that Caddy's config shows the
	// placeholder, not the key. Default: none (anonymous requests).
	AccessKey string `json:"access_key,omitempty"`
	SecretKey string `json:"secret_key,omitempty"`

	// PathStyle puts the bucket in the URL's path (MinIO, Garage, most
	// self-hosted servers). Default: in the host name for AWS S3, Google
	// and Aliyun endpoints, in the path for any other.
	PathStyle bool `json:"path_style,omitempty"`

	// MaxObject caps an object read or written, in bytes; a larger one is
	// the `too_large` status. Default: 10 MiB.
	MaxObject int64 `json:"max_object,omitempty"`

	// Timeout bounds each call; the run's own deadline bounds it too.
	// Default: 30s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
}

// ObjectsGrant grants a handler one object store of the gojinn app.
type ObjectsGrant struct {
	// Store is the object_store's name.
	Store string `json:"store"`
	// ReadOnly allows get, head and list only; a put or delete is the
	// `denied` status.
	ReadOnly bool `json:"read_only,omitempty"`
	// Prefix, when set, is where every key the handler names, and every
	// prefix it lists, must start (else `denied`). Placeholders are
	// resolved at load.
	Prefix string `json:"prefix,omitempty"`
}

// newStore resolves the block's placeholders and makes its store, whose
// failures go to logger; it contacts nothing.
func (c *ObjectStoreConfig) newStore(name string, logger *zap.Logger) (*objstore.Store, error) {
	repl := caddy.NewReplacer()
	s, err := objstore.New(objstore.Config{
		Name:      name,
		Endpoint:  repl.ReplaceKnown(c.Endpoint, ""),
		Region:    repl.ReplaceKnown(c.Region, ""),
		Bucket:    repl.ReplaceKnown(c.Bucket, ""),
		AccessKey: repl.ReplaceKnown(c.AccessKey, ""),
		SecretKey: repl.ReplaceKnown(c.SecretKey, ""),
		PathStyle: c.PathStyle,
		MaxObject: c.MaxObject,
		Timeout:   time.Duration(c.Timeout),
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("object_store %s: %w", name, err)
	}
	return s, nil
}

// checkObjectStores checks every object_store block at load, granted or
// not, so that a mistake shows before a handler needs the store.
func (a *App) checkObjectStores() error {
	for name, c := range a.ObjectStores {
		if !storeName.MatchString(name) {
			return fmt.Errorf("gojinn: object_store %q: not a valid name (1 to 64 letters, digits, '_' or '-')", name)
		}
		if c == nil {
			return fmt.Errorf("gojinn: object_store %s: no settings", name)
		}
		s, err := c.newStore(name, nil)
		if err != nil {
			return fmt.Errorf("gojinn: %w", err)
		}
		s.Close()
	}
	return nil
}

// provisionObjects gives the handler a store of each granted
// object_store, logging to the handler's logger; a store the app lacks
// fails the load naming it.
func (g *Gojinn) provisionObjects(app *App) error {
	if len(g.Objects) == 0 {
		return nil
	}
	grants := make(map[string]host.ObjectGrant, len(g.Objects))
	repl := caddy.NewReplacer()
	for _, og := range g.Objects {
		if _, dup := grants[og.Store]; dup {
			return fmt.Errorf("gojinn: %s: objects: the store %q is granted twice", g.Path, og.Store)
		}
		cfg := app.ObjectStores[og.Store]
		if cfg == nil {
			return fmt.Errorf("gojinn: %s: objects: the gojinn app has no object_store %q (docs/objects.md)", g.Path, og.Store)
		}
		prefix := repl.ReplaceKnown(og.Prefix, "")
		if prefix != "" && !host.CheckObjectKey(prefix) {
			return fmt.Errorf("gojinn: %s: objects %s: prefix %q is not a valid key prefix (at most 1024 bytes, no . or .. segment)", g.Path, og.Store, prefix)
		}
		store, err := cfg.newStore(og.Store, g.logger)
		if err != nil {
			return fmt.Errorf("gojinn: %s: %w", g.Path, err)
		}
		g.host.objects = append(g.host.objects, store)
		grant := host.ObjectGrant{Store: store, Access: host.ReadWrite, Prefix: prefix}
		if og.ReadOnly {
			grant.Access = host.Read
		}
		grants[og.Store] = grant
	}
	g.host.grants.Objects = grants
	return nil
}
