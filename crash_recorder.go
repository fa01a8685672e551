package gojinn

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/metrics"
	"github.com/gojinn/gojinn/sandbox"
)

// crashRecorder is one handler's crash recording: what its records say
// besides the run, and the directory they go to.
type crashRecorder struct {
	dir        *crashDir
	maxRecords int
	maxBytes   int64
	body       bool            // record_body
	headers    map[string]bool // canonical names of the redacted headers
	query      map[string]bool // redacted query parameters
	limits     crashLimits
	grants     crashGrants
	envNames   []string
	metrics    *metrics.Crash
	logger     *zap.Logger
	logged     atomic.Bool // a write failure was logged
}

// provisionCrashes sets up crash recording from the handler's
// record_crashes, or else the gojinn app's: the directory is created
// (0700) or refused now, with the reason.
func (g *Gojinn) provisionCrashes(ctx caddy.Context) error {
	cfg := g.RecordCrashes
	if cfg == nil {
		app := g.app
		if app == nil {
			if v, err := ctx.AppIfConfigured("gojinn"); err == nil {
				app = v.(*App)
			}
		}
		if app == nil || app.RecordCrashes == nil {
			return nil
		}
		cfg = app.RecordCrashes
	}
	if err := cfg.check(); err != nil {
		return fmt.Errorf("gojinn: %s: %w", g.Path, err)
	}
	dir := caddy.NewReplacer().ReplaceKnown(cfg.Dir, "")
	if dir == "off" {
		return nil
	}
	if dir == "" {
		return fmt.Errorf("gojinn: %s: record_crashes: the directory %q resolves to nothing", g.Path, cfg.Dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("gojinn: %s: record_crashes: %w", g.Path, err)
	}
	m, err := metrics.NewCrash(ctx.GetMetricsRegistry(), g.name)
	if err != nil {
		return fmt.Errorf("gojinn: %s: registering metrics: %w", g.Path, err)
	}
	rec := &crashRecorder{
		maxRecords: cfg.MaxRecords,
		maxBytes:   cfg.MaxBytes,
		body:       cfg.RecordBody == nil || *cfg.RecordBody,
		headers:    cfg.redactedHeaderSet(),
		query:      make(map[string]bool, len(cfg.RedactQuery)),
		limits:     g.crashLimits(),
		grants:     g.crashGrants(),
		envNames:   sortedKeys(g.Env),
		metrics:    m,
		logger:     g.logger,
	}
	if rec.maxRecords == 0 {
		rec.maxRecords = DefaultCrashMaxRecords
	}
	if rec.maxBytes == 0 {
		rec.maxBytes = DefaultCrashMaxBytes
	}
	for _, q := range cfg.RedactQuery {
		rec.query[q] = true
	}
	if rec.dir, err = openCrashDir(abs); err != nil {
		return fmt.Errorf("gojinn: %s: record_crashes: %w", g.Path, err)
	}
	g.crashes = rec
	return nil
}

// cleanupCrashes releases the handler's hold on its records' directory;
// records still queued are written first.
func (g *Gojinn) cleanupCrashes() {
	if g.crashes != nil {
		g.crashes.dir.release()
	}
}

// crashLimits are the handler's limits, defaults applied.
func (g *Gojinn) crashLimits() crashLimits {
	l := crashLimits{
		TimeoutMS:     time.Duration(g.Timeout).Milliseconds(),
		FuelLimit:     g.FuelLimit,
		MaxOutputSize: g.MaxOutputSize,
		MemoryLimit:   g.MemoryLimit,
	}
	if l.TimeoutMS == 0 {
		l.TimeoutMS = sandbox.DefaultTimeout.Milliseconds()
	}
	if l.MaxOutputSize == 0 {
		l.MaxOutputSize = sandbox.DefaultMaxOutputSize
	}
	if l.MemoryLimit == 0 {
		l.MemoryLimit = sandbox.DefaultMemoryLimit
	}
	return l
}

// crashGrants are the handler's grants as written (placeholders in fetch
// entries and prefixes resolved).
func (g *Gojinn) crashGrants() crashGrants {
	var gr crashGrants
	for _, kv := range g.KV {
		if gr.KV == nil {
			gr.KV = map[string]string{}
		}
		gr.KV[kv.Store] = grantMode(kv.ReadOnly)
	}
	repl := caddy.NewReplacer()
	for _, f := range g.Fetch {
		gr.Fetch = append(gr.Fetch, g.secrets.Redact(repl.ReplaceKnown(f, "")))
	}
	gr.Enqueue = g.Enqueue
	gr.AI = g.AI
	for _, s := range g.SQL {
		if gr.SQL == nil {
			gr.SQL = map[string]string{}
		}
		gr.SQL[s.Database] = grantMode(s.ReadOnly)
	}
	for _, o := range g.Objects {
		if gr.Objects == nil {
			gr.Objects = map[string]crashObjectsGrant{}
		}
		gr.Objects[o.Store] = crashObjectsGrant{Access: grantMode(o.ReadOnly), Prefix: g.secrets.Redact(repl.ReplaceKnown(o.Prefix, ""))}
	}
	return gr
}

// grantMode is a grant's mode as the Caddyfile writes it.
func grantMode(readOnly bool) string {
	if readOnly {
		return "read"
	}
	return "readwrite"
}

// failed counts a record that could not be written, and logs the first
// such failure of the handler (a full disk would otherwise log one entry
// per failed request).
func (rec *crashRecorder) failed(err error) {
	rec.metrics.Failed()
	if rec.logged.CompareAndSwap(false, true) {
		rec.logger.Error("writing a crash record failed; later failures are only counted (gojinn_crash_records_total{result=\"failed\"})",
			zap.String("dir", rec.dir.path), zap.Error(err))
	}
}
