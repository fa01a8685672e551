package metrics

import (
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "gojinn"

// Label names.
const (
	labelHandler = "handler"
	labelCode    = "code"
	labelOutcome = "outcome"
)

// Bucket layouts, in seconds or bytes.
var (
	// functionBuckets spans a cached hello invocation (tens of µs) to a
	// guest that runs for a minute.
	functionBuckets = []float64{
		0.00005, 0.0001, 0.00025, 0.0005,
		0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
		0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
	}
	// instantiateBuckets spans a small module (~10 µs) to a standard Go
	// (wasip1) module (hundreds of ms).
	instantiateBuckets = []float64{
		0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
		0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
	}
	// queueWaitBuckets spans no wait at all to a long queue_timeout.
	queueWaitBuckets = []float64{
		0.00001, 0.00005, 0.0001, 0.0005,
		0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
	}
	// compileBuckets spans a compile served from the cache (~0.1 ms) to a
	// large module compiled from scratch.
	compileBuckets = []float64{
		0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
		0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
	}
	// memoryBuckets: 64 KiB (one wasm page) doubling up to 1 GiB.
	memoryBuckets = prometheus.ExponentialBuckets(64<<10, 2, 15)
	// fuelBuckets span 1,000 units (a minimal guest uses ~40, a
	// TypeScript hello ~8,000) to 10^10 (a second or more of compute).
	fuelBuckets = []float64{
		1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6,
		1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10,
	}
)

// Status codes the per-code cache covers; others take a slower path.
const (
	minCode = 100
	maxCode = 599
)

// Metrics is the set of gojinn collectors registered on one registry. A nil
// *Metrics is valid: every method is then a no-op.
type Metrics struct {
	compile     prometheus.Histogram
	duration    *prometheus.HistogramVec
	requests    *prometheus.CounterVec
	active      *prometheus.GaugeVec
	instantiate *prometheus.HistogramVec
	queueWait   *prometheus.HistogramVec
	memory      *prometheus.HistogramVec
	fuel        *prometheus.HistogramVec
	poolReady   *prometheus.GaugeVec
	host        hostCollectors
}

// New registers (or reuses) the gojinn collectors on reg. reg may be nil
// (or a nil *prometheus.Registry): then New returns a nil *Metrics, whose
// methods are all no-ops (metrics off).
//
// A collector that is already registered on reg (by an earlier New, for
// another gojinn handler of the same config) is reused, not registered
// twice. An error means reg holds a different collector under one of the
// gojinn names.
func New(reg prometheus.Registerer) (*Metrics, error) {
	if isNilRegisterer(reg) {
		return nil, nil
	}
	m := &Metrics{}
	var err error
	if m.compile, err = register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "compile_duration_seconds",
		Help:      "Time taken to compile a WebAssembly module (including loads from the compilation cache).",
		Buckets:   compileBuckets,
	})); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "function_duration_seconds",
		Help:      "Time from the start of a gojinn request to its response being ready, by handler and HTTP status code.",
		Buckets:   functionBuckets,
	}, []string{labelHandler, labelCode})); err != nil {
		return nil, err
	}
	if m.requests, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "requests_total",
		Help:      "Requests handled by gojinn, by handler, HTTP status code and outcome.",
	}, []string{labelHandler, labelCode, labelOutcome})); err != nil {
		return nil, err
	}
	if m.active, err = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "active_sandboxes",
		Help:      "WebAssembly sandboxes currently running a request.",
	}, []string{labelHandler})); err != nil {
		return nil, err
	}
	if m.instantiate, err = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "instantiate_duration_seconds",
		Help:      "Time taken to instantiate a fresh module instance for one request.",
		Buckets:   instantiateBuckets,
	}, []string{labelHandler})); err != nil {
		return nil, err
	}
	if m.queueWait, err = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "queue_wait_seconds",
		Help:      "Time a request waited for a free sandbox slot before running.",
		Buckets:   queueWaitBuckets,
	}, []string{labelHandler})); err != nil {
		return nil, err
	}
	if m.memory, err = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "guest_memory_bytes",
		Help:      "Size of the guest's linear memory at the end of a run.",
		Buckets:   memoryBuckets,
	}, []string{labelHandler})); err != nil {
		return nil, err
	}
	if m.fuel, err = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "fuel_consumed",
		Help:      "Fuel a run used: WebAssembly instructions executed, as fuel_limit counts them (docs/caddyfile.md), from instantiation to the run's end.",
		Buckets:   fuelBuckets,
	}, []string{labelHandler})); err != nil {
		return nil, err
	}
	if m.poolReady, err = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "pool_ready_instances",
		Help:      "Pre-instantiated module instances ready to take a request.",
	}, []string{labelHandler})); err != nil {
		return nil, err
	}
	if m.host, err = newHostCollectors(reg); err != nil {
		return nil, err
	}
	return m, nil
}

// isNilRegisterer reports whether reg is nil, including a nil
// *prometheus.Registry wrapped in the interface (what
// ctx.GetMetricsRegistry() returns on a zero caddy.Context).
func isNilRegisterer(reg prometheus.Registerer) bool {
	if reg == nil {
		return true
	}
	r, ok := reg.(*prometheus.Registry)
	return ok && r == nil
}

// register registers c on reg, or returns the equal collector that reg
// already holds.
func register[T prometheus.Collector](reg prometheus.Registerer, c T) (T, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing, nil
		}
		var zero T
		return zero, fmt.Errorf("gojinn metrics: a collector of type %T is already registered in place of %T", are.ExistingCollector, c)
	}
	var zero T
	return zero, fmt.Errorf("gojinn metrics: registering collector: %w", err)
}

// ObserveCompile records the time taken to compile a module
// (gojinn_compile_duration_seconds).
func (m *Metrics) ObserveCompile(d time.Duration) {
	if m == nil {
		return
	}
	m.compile.Observe(d.Seconds())
}

// Handler returns the view of the collectors for the gojinn handler called
// name: every series it touches carries handler=name. Call it once per
// handler (in Provision) and keep the result; its methods are cheap, and
// several Handler values with one name feed the same series. On a nil
// *Metrics it returns nil, whose methods are no-ops.
func (m *Metrics) Handler(name string) *Handler {
	if m == nil {
		return nil
	}
	h := prometheus.Labels{labelHandler: name}
	return &Handler{
		duration:    m.duration.MustCurryWith(h),
		requests:    m.requests.MustCurryWith(h),
		active:      m.active.With(h),
		instantiate: m.instantiate.With(h),
		queueWait:   m.queueWait.With(h),
		memory:      m.memory.With(h),
		fuel:        m.fuel.With(h),
		poolReady:   m.poolReady.With(h),
		host:        m.host.handler(h),
	}
}

// Handler is the per-handler view of Metrics, with the handler label
// already applied. A nil *Handler is valid: every method is then a no-op.
// Its methods are safe for concurrent use.
type Handler struct {
	duration    prometheus.ObserverVec
	requests    *prometheus.CounterVec
	active      prometheus.Gauge
	instantiate prometheus.Observer
	queueWait   prometheus.Observer
	memory      prometheus.Observer
	fuel        prometheus.Observer
	poolReady   prometheus.Gauge
	host        hostObservers
	// recent is this handler's own counts and latest samples (recent.go).
	recent recent

	// codes caches, per status code minCode..maxCode, the observers of
	// that code, created on first use.
	codes [maxCode - minCode + 1]atomic.Pointer[codeObservers]
}

// codeObservers holds the series of one handler and one status code.
type codeObservers struct {
	code     string
	duration prometheus.Observer
	// outcomes holds one counter per entry of Outcomes, created on first
	// use so that only outcomes that happened are exported.
	outcomes [numOutcomes]atomic.Pointer[counterRef]
}

// counterRef boxes a prometheus.Counter so it fits in an atomic.Pointer.
type counterRef struct{ prometheus.Counter }

// SandboxStarted records that a sandbox began running a request
// (gojinn_active_sandboxes +1).
func (h *Handler) SandboxStarted() {
	if h == nil {
		return
	}
	h.active.Inc()
}

// SandboxFinished records that a sandbox finished running a request
// (gojinn_active_sandboxes -1).
func (h *Handler) SandboxFinished() {
	if h == nil {
		return
	}
	h.active.Dec()
}

// ObserveInvocation records one finished request: its duration in
// gojinn_function_duration_seconds{code} and one count in
// gojinn_requests_total{code,outcome}. outcome should be one of Outcomes;
// another value is recorded as given, on a slower path. Once a (code,
// outcome) pair has been seen, the call does not allocate.
func (h *Handler) ObserveInvocation(code int, outcome string, d time.Duration) {
	if h == nil {
		return
	}
	i := outcomeIndex(outcome)
	h.recent.observeInvocation(i, d)
	if code < minCode || code > maxCode {
		c := strconv.Itoa(code)
		h.duration.WithLabelValues(c).Observe(d.Seconds())
		h.requests.WithLabelValues(c, outcome).Inc()
		return
	}
	co := h.codes[code-minCode].Load()
	if co == nil {
		co = h.loadCode(code)
	}
	co.duration.Observe(d.Seconds())
	if i < 0 {
		h.requests.WithLabelValues(co.code, outcome).Inc()
		return
	}
	c := co.outcomes[i].Load()
	if c == nil {
		c = &counterRef{h.requests.WithLabelValues(co.code, outcome)}
		if !co.outcomes[i].CompareAndSwap(nil, c) {
			c = co.outcomes[i].Load()
		}
	}
	c.Inc()
}

// loadCode creates (or, if another goroutine won the race, returns) the
// cached observers of a status code in minCode..maxCode.
func (h *Handler) loadCode(code int) *codeObservers {
	c := strconv.Itoa(code)
	co := &codeObservers{code: c, duration: h.duration.WithLabelValues(c)}
	if h.codes[code-minCode].CompareAndSwap(nil, co) {
		return co
	}
	return h.codes[code-minCode].Load()
}

// ObserveInstantiate records the time taken to instantiate the module for
// one request (gojinn_instantiate_duration_seconds).
func (h *Handler) ObserveInstantiate(d time.Duration) {
	if h == nil {
		return
	}
	h.instantiate.Observe(d.Seconds())
}

// ObserveQueueWait records how long a request waited for a sandbox slot
// (gojinn_queue_wait_seconds).
func (h *Handler) ObserveQueueWait(d time.Duration) {
	if h == nil {
		return
	}
	h.queueWait.Observe(d.Seconds())
}

// ObserveMemory records the size of the guest's linear memory at the end of
// a run (gojinn_guest_memory_bytes).
func (h *Handler) ObserveMemory(bytes uint64) {
	if h == nil {
		return
	}
	h.memory.Observe(float64(bytes))
}

// ObserveFuel records the fuel a run used (gojinn_fuel_consumed).
func (h *Handler) ObserveFuel(units int64) {
	if h == nil {
		return
	}
	h.fuel.Observe(float64(units))
	h.recent.observeFuel(units)
}

// SetPoolReady sets the number of pre-instantiated instances ready to take
// a request (gojinn_pool_ready_instances).
func (h *Handler) SetPoolReady(n int) {
	if h == nil {
		return
	}
	h.poolReady.Set(float64(n))
}
