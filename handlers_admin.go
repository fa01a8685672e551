package gojinn

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn/sandbox"
)

func init() {
	adminRoutes = append(adminRoutes, caddy.AdminRoute{Pattern: "/gojinn/handlers", Handler: caddy.AdminHandlerFunc(serveHandlers)})
}

// liveHandlers is every provisioned handler of the process, route or
// trigger function, keyed by pointer: a reload provisions the new config
// before it cleans up the old one, so two handlers of one name are live
// for a moment, and the old one's Cleanup must remove only itself.
var liveHandlers = struct {
	sync.Mutex
	seq  uint64
	byID map[*Gojinn]uint64 // the handler's id: the order it was provisioned in
}{byID: map[*Gojinn]uint64{}}

// registerHandler adds g to liveHandlers (from Provision).
func registerHandler(g *Gojinn) {
	liveHandlers.Lock()
	defer liveHandlers.Unlock()
	if _, ok := liveHandlers.byID[g]; !ok {
		liveHandlers.seq++
		liveHandlers.byID[g] = liveHandlers.seq
	}
}

// unregisterHandler removes g from liveHandlers (from Cleanup).
func unregisterHandler(g *Gojinn) {
	liveHandlers.Lock()
	defer liveHandlers.Unlock()
	delete(liveHandlers.byID, g)
}

// handlerViews returns the views of the live handlers, oldest first.
func handlerViews() []handlerView {
	type entry struct {
		g  *Gojinn
		id uint64
	}
	liveHandlers.Lock()
	entries := make([]entry, 0, len(liveHandlers.byID))
	for g, id := range liveHandlers.byID {
		entries = append(entries, entry{g, id})
	}
	liveHandlers.Unlock()
	slices.SortFunc(entries, func(a, b entry) int { return int(a.id) - int(b.id) })
	views := make([]handlerView, len(entries))
	for i, e := range entries {
		views[i] = e.g.view(e.id)
	}
	return views
}

// handlerView is one handler in GET /gojinn/handlers and the dashboard.
// It holds no secret: no env value, argument or debug secret.
type handlerView struct {
	// ID is unique in the process: a reloaded handler gets a new one.
	ID      uint64 `json:"id"`
	Name    string `json:"name"`
	Trigger bool   `json:"trigger,omitempty"` // a queue, cron or MQTT function
	Module  struct {
		Path   string `json:"path"`
		SHA256 string `json:"sha256"`
	} `json:"module"`
	// Signature is the module's signature state (docs/signing.md):
	// "verified by <key id>", "<state> (audit)" or "off".
	Signature string       `json:"signature"`
	Limits    limitsView   `json:"limits"`
	Requests  requestsView `json:"requests"`
	// LatencySeconds and Fuel are quantiles of the latest runs.
	LatencySeconds latencyView `json:"latency_seconds"`
	Fuel           fuelView    `json:"fuel"`
	Pool           loadView    `json:"pool"`
}

type requestsView struct {
	// Total and ByOutcome are since the handler was provisioned.
	Total     int64            `json:"total"`
	ByOutcome map[string]int64 `json:"by_outcome"`
}

type limitsView struct {
	Timeout        string `json:"timeout"`
	QueueTimeout   string `json:"queue_timeout"`
	MemoryLimit    int64  `json:"memory_limit"`
	FuelLimit      int64  `json:"fuel_limit"`
	MaxConcurrency int    `json:"max_concurrency"`
	MaxQueue       int    `json:"max_queue"`
	PoolSize       int    `json:"pool_size"`
	MaxBodySize    int64  `json:"max_body_size"`
	MaxOutputSize  int    `json:"max_output_size"`
}

type latencyView struct {
	Samples int     `json:"samples"`
	P50     float64 `json:"p50"`
	P90     float64 `json:"p90"`
	P99     float64 `json:"p99"`
	Max     float64 `json:"max"`
}

type fuelView struct {
	// Total and Runs are since the handler was provisioned.
	Total   int64 `json:"total"`
	Runs    int64 `json:"runs"`
	Samples int   `json:"samples"`
	P50     int64 `json:"p50"`
	P90     int64 `json:"p90"`
	P99     int64 `json:"p99"`
	Max     int64 `json:"max"`
}

type loadView struct {
	Size     int  `json:"size"`
	Ready    int  `json:"ready"`
	Stopped  bool `json:"stopped,omitempty"`
	Running  int  `json:"running"`
	Waiting  int  `json:"waiting"`
	Capacity int  `json:"max_concurrency"`
}

// view is g as the admin API shows it.
func (g *Gojinn) view(id uint64) handlerView {
	v := handlerView{ID: id, Name: g.name, Trigger: g.app != nil}
	v.Module.Path, v.Module.SHA256 = g.Path, g.wasmSum
	v.Signature = g.signature
	limits, load := g.runner.Limits(), g.runner.Load()
	v.Limits = limitsView{
		Timeout:        limits.Timeout.String(),
		QueueTimeout:   cmp(time.Duration(g.QueueTimeout), sandbox.DefaultQueueTimeout).String(),
		MemoryLimit:    int64(sandbox.PagesFor(g.MemoryLimit)) * sandbox.PageSize,
		FuelLimit:      limits.FuelLimit,
		MaxConcurrency: load.MaxConcurrency,
		MaxQueue:       load.MaxQueue,
		PoolSize:       load.PoolSize,
		MaxBodySize:    g.maxBodySize,
		MaxOutputSize:  limits.MaxOutput,
	}
	r := g.metrics.Recent()
	v.Requests.ByOutcome = r.Requests
	for _, n := range r.Requests {
		v.Requests.Total += n
	}
	v.LatencySeconds = latencyView{
		Samples: r.Latency.Samples,
		P50:     seconds(r.Latency.P50), P90: seconds(r.Latency.P90),
		P99: seconds(r.Latency.P99), Max: seconds(r.Latency.Max),
	}
	v.Fuel = fuelView{
		Total: r.FuelTotal, Runs: r.FuelRuns, Samples: r.Fuel.Samples,
		P50: r.Fuel.P50, P90: r.Fuel.P90, P99: r.Fuel.P99, Max: r.Fuel.Max,
	}
	v.Pool = loadView{
		Size: load.PoolSize, Ready: load.PoolReady, Stopped: load.PoolStopped,
		Running: load.Running, Waiting: load.Waiting, Capacity: load.MaxConcurrency,
	}
	return v
}

func seconds(ns int64) float64 { return float64(ns) / 1e9 }

// serveHandlers answers GET /gojinn/handlers (admin.api.gojinn).
func serveHandlers(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	return writeJSON(w, handlerViews())
}
