package gojinn

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/natsbus"
	"github.com/gojinn/gojinn/sqldb"
)

func init() {
	caddy.RegisterModule(new(App))
}

// App is the Caddy app `gojinn`, configured by the global option block
// `gojinn { ... }` (docs/caddyfile.md): what handlers share beyond one
// request, today the key-value stores on NATS JetStream. It starts
// nothing by itself: the embedded NATS server starts (or the connection
// to nats_url opens) when the first handler with a `kv` grant asks for
// the stores, so a config without grants costs nothing. The server is
// shared with the next config on a reload and stopped with the last
// config that uses it.
//
// Every field is optional. Placeholders ({env.X}, {file.X}) in the
// string fields are resolved at load: write credentials that way, since
// Caddy shows its config (GET /config/, autosave.json) with the literal
// values it was given.
type App struct {
	// DataDir is where the embedded NATS server keeps its JetStream files
	// (in DataDir/jetstream). Default: "gojinn" in Caddy's data directory.
	DataDir string `json:"data_dir,omitempty"`

	// NatsURL is an existing NATS server (or a comma-separated list of a
	// cluster's servers) with JetStream, used instead of the embedded one.
	// Its max_payload must exceed KVMaxValue by 64 KiB, checked at load.
	NatsURL string `json:"nats_url,omitempty"`

	// NatsCreds is a NATS credentials file for NatsURL.
	NatsCreds string `json:"nats_creds,omitempty"`

	// NatsPrefix starts the name of every bucket Gojinn creates (the store
	// "sessions" is the bucket "gojinn_sessions"), so that it cannot
	// collide with other users of a NATS server. Letters, digits, '_' and
	// '-', at most 32. Default: "gojinn_", also for the embedded server
	// so its files move to a standalone server unchanged.
	NatsPrefix string `json:"nats_prefix,omitempty"`

	// KVMaxValue caps a value, in bytes; a larger write is `too_large`.
	// Default: 1 MiB (1048576); at most 64 MiB less 64 KiB.
	KVMaxValue int64 `json:"kv_max_value,omitempty"`

	// KVMaxBytes caps each store, in bytes; a write past it is
	// `too_large`. JetStream reserves it on the server's storage when a
	// store is created. Default: 1 GiB (1073741824).
	KVMaxBytes int64 `json:"kv_max_bytes,omitempty"`

	// SyncInterval is how often the embedded server syncs its files to
	// disk: a duration, or "always" to sync every write before it is
	// acknowledged. Default: NATS's 2 minutes; a power loss (not a crash
	// of Caddy) can lose the writes of the last interval. Embedded server
	// only; it takes effect when the server starts, not on a reload.
	SyncInterval string `json:"sync_interval,omitempty"`

	// Queues are job queues, each with the function that runs its jobs
	// (docs/events.md).
	Queues []*Queue `json:"queues,omitempty"`

	// Crons run functions on schedules (docs/events.md).
	Crons []*Cron `json:"crons,omitempty"`

	// MQTT turns on the embedded server's MQTT listener and runs
	// functions for its messages (docs/events.md).
	MQTT *MQTT `json:"mqtt,omitempty"`

	// Cluster makes the embedded NATS server a node of a cluster of
	// Caddy nodes that share stores, queues and schedules
	// (docs/cluster.md). It excludes NatsURL.
	Cluster *Cluster `json:"cluster,omitempty"`

	// RecordCrashes is the handlers' default record_crashes
	// (docs/crashes.md); a handler's own replaces it.
	RecordCrashes *CrashRecording `json:"record_crashes,omitempty"`

	// AI is the OpenAI-compatible endpoint of handlers with the ai grant
	// (docs/ai.md).
	AI *AIConfig `json:"ai,omitempty"`

	// ObjectStores are S3-compatible buckets, by name, of handlers with
	// an objects grant (docs/objects.md).
	ObjectStores map[string]*ObjectStoreConfig `json:"object_stores,omitempty"`

	// Databases are SQL databases, by name, of handlers with a sql grant
	// (docs/sql.md).
	Databases map[string]*DatabaseConfig `json:"databases,omitempty"`

	// SignaturePolicy: every handler's default trusted_keys and
	// signatures (docs/signing.md).
	SignaturePolicy

	// triggers are Queues, Crons and MQTT, as the app drives them.
	triggers []trigger

	logger *zap.Logger
	bus    natsbus.Config
	kvCfg  natsbus.KVConfig

	databases map[string]*sqldb.DB // opened in Provision

	mu   sync.Mutex
	open *natsbus.Bus
	kv   *natsbus.KV
}

// CaddyModule returns the Caddy module information.
func (*App) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "gojinn",
		New: func() caddy.Module { return new(App) },
	}
}

// Provision resolves placeholders, applies defaults and checks the
// settings; it starts nothing.
func (a *App) Provision(ctx caddy.Context) error {
	a.logger = ctx.Logger()
	repl := caddy.NewReplacer()
	dataDir := repl.ReplaceKnown(a.DataDir, "")
	if dataDir == "" {
		dataDir = filepath.Join(caddy.AppDataDir(), "gojinn")
	}
	a.bus = natsbus.Config{
		StoreDir:  dataDir,
		URL:       repl.ReplaceKnown(a.NatsURL, ""),
		CredsFile: repl.ReplaceKnown(a.NatsCreds, ""),
		MaxValue:  a.KVMaxValue,
		Logger:    a.logger,
	}
	a.kvCfg = natsbus.KVConfig{Prefix: repl.ReplaceKnown(a.NatsPrefix, ""), MaxBytes: a.KVMaxBytes}
	if err := a.kvCfg.Validate(); err != nil {
		return fmt.Errorf("gojinn: nats_prefix or kv_max_bytes: %w", err)
	}
	switch {
	case a.KVMaxValue < 0 || a.KVMaxValue > natsbus.MaxMaxValue:
		return fmt.Errorf("gojinn: kv_max_value %d is not within 1..%d bytes (0 means the default, 1 MiB)", a.KVMaxValue, natsbus.MaxMaxValue)
	case a.bus.CredsFile != "" && a.bus.URL == "":
		return fmt.Errorf("gojinn: nats_creds is for nats_url, which is not set")
	}
	switch interval := repl.ReplaceKnown(a.SyncInterval, ""); {
	case interval == "":
	case a.bus.URL != "":
		return fmt.Errorf("gojinn: sync_interval applies to the embedded NATS server; with nats_url, set it in that server's configuration (jetstream.sync_interval)")
	case interval == "always":
		a.bus.SyncAlways = true
	default:
		d, err := caddy.ParseDuration(interval)
		if err != nil || d <= 0 {
			return fmt.Errorf("gojinn: sync_interval %q: want a duration greater than 0 (e.g. 1s) or always", interval)
		}
		a.bus.SyncInterval = d
	}
	if err := a.provisionCluster(ctx, repl); err != nil {
		return err
	}
	if err := a.checkObjectStores(); err != nil {
		return err
	}
	if err := a.openDatabases(dataDir); err != nil {
		return err
	}
	return a.provisionTriggers(ctx)
}

// provisionTriggers provisions the queues, schedules and MQTT
// subscriptions, with their functions.
func (a *App) provisionTriggers(ctx caddy.Context) error {
	for _, q := range a.Queues {
		a.triggers = append(a.triggers, q)
	}
	for _, c := range a.Crons {
		a.triggers = append(a.triggers, c)
	}
	if a.MQTT != nil {
		a.triggers = append(a.triggers, a.MQTT)
	}
	for _, t := range a.triggers {
		if err := t.provision(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// KV returns the key-value stores, starting the embedded NATS server (or
// connecting to nats_url) on the first call. A handler calls it in its
// Provision when it has a kv grant.
func (a *App) KV() (host.KV, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.kv != nil {
		return a.kv, nil
	}
	bus, err := a.openBus()
	if err != nil {
		return nil, err
	}
	kv, err := natsbus.NewKV(bus, a.kvCfg)
	if err != nil {
		return nil, fmt.Errorf("gojinn: %w", err)
	}
	a.kv = kv
	return kv, nil
}

// Bus returns the connection to NATS, starting the embedded server (or
// connecting to nats_url) on the first call: for what is built on
// JetStream besides the stores (queues, MQTT).
func (a *App) Bus() (*natsbus.Bus, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.openBus()
}

// openBus opens the bus once; a.mu is held.
func (a *App) openBus() (*natsbus.Bus, error) {
	if a.open != nil {
		return a.open, nil
	}
	start := time.Now()
	bus, err := natsbus.Open(a.bus)
	if err != nil {
		return nil, fmt.Errorf("gojinn: %w", err)
	}
	a.open = bus
	a.logger.Debug("NATS ready", zap.Duration("took", time.Since(start)))
	return bus, nil
}

// Start starts the triggers (queue consumers, schedules, MQTT
// subscriptions). NATS itself starts on the first call that needs it.
func (a *App) Start() error {
	for i, t := range a.triggers {
		if err := t.start(); err != nil {
			for _, started := range a.triggers[:i] {
				_ = started.stop()
			}
			return err
		}
	}
	return nil
}

// Stop stops the triggers: no new runs start, runs in flight finish
// within their grace period, unfinished jobs stay queued. The hold on
// NATS is released in Cleanup, which also runs when a config fails to
// load after a handler took the stores.
func (a *App) Stop() error {
	var errs []error
	for _, t := range a.triggers {
		errs = append(errs, t.stop())
	}
	return errors.Join(errs...)
}

// Cleanup releases this config's hold on NATS; the embedded server stops
// when no config holds it any more (the next config took its own hold
// before this one is cleaned up).
func (a *App) Cleanup() error {
	for _, t := range a.triggers {
		t.cleanup()
	}
	_ = a.closeDatabases()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.open != nil {
		a.open.Close()
		a.open, a.kv = nil, nil
	}
	return nil
}

// Interface guards.
var (
	_ caddy.App          = (*App)(nil)
	_ caddy.Provisioner  = (*App)(nil)
	_ caddy.CleanerUpper = (*App)(nil)
)
