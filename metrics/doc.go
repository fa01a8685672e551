// Package metrics holds the Prometheus collectors of the gojinn handler.
//
// New registers them on the registry of the configuration being loaded
// (Caddy's ctx.GetMetricsRegistry(); since Caddy 2.9 every config load has
// its own registry, and collectors on prometheus.DefaultRegisterer never
// reach /metrics). The package guarantees that:
//
//   - New can be called any number of times on one registry (one call per
//     gojinn handler in a config): the second and later calls reuse the
//     collectors already registered instead of failing, so several handlers
//     share the same metric families, told apart by the handler label.
//   - New on a fresh registry (a config reload) registers afresh; nothing is
//     kept in package state, so no reload loses metrics.
//   - A nil registry turns metrics off: New returns a nil *Metrics, and every
//     method of a nil *Metrics or nil *Handler is a no-op.
//   - The per-request methods (Handler.ObserveInvocation and the others) do
//     not allocate, format strings or take locks once a status code has been
//     seen: the observers are curried once per handler and cached per status
//     code.
//
// Metric names are promlint-clean; docs/observability.md lists them all.
package metrics
