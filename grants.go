package gojinn

import (
	"fmt"
	"regexp"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/host/fetch"
	"github.com/gojinn/gojinn/objstore"
)

// KVGrant grants a handler one key-value store.
type KVGrant struct {
	// Store is the store's name: 1 to 64 letters, digits, '_' or '-'.
	Store string `json:"store"`
	// ReadOnly allows reads only; a write is the `denied` status.
	ReadOnly bool `json:"read_only,omitempty"`
}

// Defaults of the outbound HTTP limits (docs/fetch.md).
const (
	DefaultFetchTimeout  = 10 * time.Second
	DefaultFetchMaxBody  = 10 * 1000 * 1000 // 10MB
	DefaultFetchMaxCalls = 50
)

// storeName is what a store may be called (docs/host-abi.md).
var storeName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// hostAccess is what a handler's runs reach through the `gojinn` import
// module: its grants and the backends behind them.
type hostAccess struct {
	grants  host.Grants
	kv      host.KV // nil without a kv grant
	observe func(function string, st host.Status, d time.Duration)
	fetch   *fetch.Client     // nil without an allow-list
	queue   host.Queue        // nil without an enqueue grant
	ai      *aiClient         // nil without the ai grant
	objects []*objstore.Store // one per objects grant
}

// close closes the fetch client's idle connections at once (calls in
// flight finish), rather than after their idle timeout.
func (h *hostAccess) close() {
	if h != nil && h.fetch != nil {
		h.fetch.Close()
	}
	if h != nil && h.ai != nil {
		h.ai.close()
	}
	if h != nil {
		for _, s := range h.objects {
			s.Close()
		}
	}
}

// provisionHost checks the grants and sets up their backends: the gojinn
// app's KV (which starts NATS) only with a kv grant, a fetch client only
// with an allow-list. A module that does not import `gojinn` gets nothing.
func (g *Gojinn) provisionHost(ctx caddy.Context) error {
	grants := host.Grants{MaxFetchCalls: g.FetchMaxCalls}
	if grants.MaxFetchCalls == 0 {
		grants.MaxFetchCalls = DefaultFetchMaxCalls
	}
	if len(g.KV) > 0 {
		grants.KV = make(map[string]host.Access, len(g.KV))
	}
	for _, kv := range g.KV {
		if !storeName.MatchString(kv.Store) {
			return fmt.Errorf("gojinn: %s: kv: %q is not a valid store name (1 to 64 letters, digits, '_' or '-')", g.Path, kv.Store)
		}
		if _, dup := grants.KV[kv.Store]; dup {
			return fmt.Errorf("gojinn: %s: kv: the store %q is granted twice", g.Path, kv.Store)
		}
		grants.KV[kv.Store] = host.ReadWrite
		if kv.ReadOnly {
			grants.KV[kv.Store] = host.Read
		}
	}
	var client *fetch.Client
	if len(g.Fetch) > 0 {
		var err error
		if client, err = g.fetchClient(); err != nil {
			return err
		}
		grants.Fetcher = client
	}
	if !g.module.Imports(host.ModuleName) {
		if client != nil {
			client.Close()
		}
		if len(g.KV) > 0 || len(g.Fetch) > 0 || len(g.Enqueue) > 0 || g.AI || len(g.Objects) > 0 || len(g.SQL) > 0 {
			g.logger.Warn("the module imports nothing from gojinn: its kv, fetch, enqueue, ai, objects and sql grants are unused")
		}
		return nil
	}
	// The method value is made once: per request it would allocate.
	g.host = &hostAccess{grants: grants, observe: g.metrics.ObserveHostCall, fetch: client}
	if len(g.KV) == 0 && len(g.Enqueue) == 0 && !g.AI && len(g.Objects) == 0 && len(g.SQL) == 0 {
		return nil
	}
	gojinnApp := g.app
	if gojinnApp == nil {
		app, err := ctx.App("gojinn")
		if err != nil {
			return fmt.Errorf("gojinn: %s: loading the gojinn app: %w", g.Path, err)
		}
		gojinnApp = app.(*App)
	}
	if err := g.provisionEnqueue(gojinnApp); err != nil {
		return err
	}
	if err := g.provisionAI(ctx, gojinnApp); err != nil {
		return err
	}
	if err := g.provisionObjects(gojinnApp); err != nil {
		return err
	}
	if err := g.provisionSQL(gojinnApp); err != nil {
		return err
	}
	if len(g.KV) > 0 {
		var err error
		if g.host.kv, err = gojinnApp.KV(); err != nil {
			return fmt.Errorf("gojinn: %s: kv: %w", g.Path, err)
		}
		g.host.grants.MaxValue = int(gojinnApp.KVMaxValue)
	}
	return nil
}

// fetchClient builds the outbound HTTP client from the allow-list and
// limits; a localhost-style entry is accepted with a warning.
func (g *Gojinn) fetchClient() (*fetch.Client, error) {
	cfg := fetch.Config{Timeout: time.Duration(g.FetchTimeout), MaxBody: g.FetchMaxBody}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultFetchTimeout
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultFetchMaxBody
	}
	repl := caddy.NewReplacer()
	for _, entry := range g.Fetch {
		rule, err := fetch.ParseRule(repl.ReplaceKnown(entry, ""))
		if err != nil {
			return nil, fmt.Errorf("gojinn: %s: fetch: %w", g.Path, err)
		}
		if w := rule.Warning(); w != "" {
			g.logger.Warn("fetch allow-list", zap.String("entry", entry), zap.String("warning", w))
		}
		cfg.Allow = append(cfg.Allow, rule)
	}
	return fetch.New(cfg)
}

// run is the host state of one request's run: its grants, its host_log
// lines going to the request's guest log under stderr's caps, and one
// log line per denied call.
func (h *hostAccess) run(g *Gojinn, stderr *guestStderr) *host.Run {
	return &host.Run{
		Handler: g.name,
		Grants:  &h.grants,
		KV:      h.kv,
		Queue:   h.queue,
		Log:     stderr.hostLog,
		Denied:  stderr.denied,
		Observe: h.observe,
	}
}
