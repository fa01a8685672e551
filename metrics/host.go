package metrics

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gojinn/gojinn/host"
)

// Label names of the host call metrics.
const (
	labelFunction = "function"
	labelStatus   = "status"
)

// hostCallBuckets span a call answered in the host (a denied store, ~1 µs)
// to a fetch that takes its whole timeout.
var hostCallBuckets = []float64{
	0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005,
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
}

// numStatuses is how many statuses the per-call cache covers: those of
// the ABI's version 1 (host.StatusLimit is the last).
const numStatuses = int(host.StatusLimit) + 1

// hostCollectors are the collectors of the gojinn host functions.
type hostCollectors struct {
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHostCollectors(reg prometheus.Registerer) (hostCollectors, error) {
	var c hostCollectors
	var err error
	if c.calls, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "host_calls_total",
		Help:      "Calls of the gojinn host functions (docs/host-abi.md), by handler, function and status.",
	}, []string{labelHandler, labelFunction, labelStatus})); err != nil {
		return c, err
	}
	c.duration, err = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "host_call_duration_seconds",
		Help:      "Time a gojinn host function took, by handler and function.",
		Buckets:   hostCallBuckets,
	}, []string{labelHandler, labelFunction}))
	return c, err
}

func (c hostCollectors) handler(h prometheus.Labels) hostObservers {
	return hostObservers{
		calls:     c.calls.MustCurryWith(h),
		duration:  c.duration.MustCurryWith(h),
		functions: make([]hostFunction, len(host.Functions)),
	}
}

// hostObservers are one handler's host call series, created on first use
// and cached per function (in the order of host.Functions) and status.
type hostObservers struct {
	calls     *prometheus.CounterVec
	duration  prometheus.ObserverVec
	functions []hostFunction
}

type hostFunction struct {
	duration atomic.Pointer[observerRef]
	statuses [numStatuses]atomic.Pointer[counterRef]
}

// observerRef boxes a prometheus.Observer so it fits in an atomic.Pointer.
type observerRef struct{ prometheus.Observer }

// ObserveHostCall records one call of a gojinn host function: one count in
// gojinn_host_calls_total{function,status} and its duration in
// gojinn_host_call_duration_seconds{function}. Its signature is
// host.Run.Observe's. Once a (function, status) pair has been seen, the
// call does not allocate.
func (h *Handler) ObserveHostCall(function string, st host.Status, d time.Duration) {
	if h == nil {
		return
	}
	i := slices.Index(host.Functions, function)
	if i < 0 || int(st) >= numStatuses { // not of this version: the slow path
		h.host.calls.WithLabelValues(function, st.String()).Inc()
		h.host.duration.WithLabelValues(function).Observe(d.Seconds())
		return
	}
	f := &h.host.functions[i]
	o := f.duration.Load()
	if o == nil {
		o = &observerRef{h.host.duration.WithLabelValues(function)}
		if !f.duration.CompareAndSwap(nil, o) {
			o = f.duration.Load()
		}
	}
	o.Observe(d.Seconds())
	c := f.statuses[st].Load()
	if c == nil {
		c = &counterRef{h.host.calls.WithLabelValues(function, st.String())}
		if !f.statuses[st].CompareAndSwap(nil, c) {
			c = f.statuses[st].Load()
		}
	}
	c.Inc()
}
