package metrics

import "github.com/prometheus/client_golang/prometheus"

// labelCron names a schedule (the `cron <name>` of the gojinn block).
const labelCron = "cron"

// Cron is the view of the cron collectors for one schedule. A nil *Cron is
// valid: every method is then a no-op. Its methods are safe for
// concurrent use.
type Cron struct {
	runs    *prometheus.CounterVec
	skipped prometheus.Counter
}

// NewCron registers (or reuses) the cron collectors on reg and returns the
// view of the schedule called name. A nil reg turns them off (a nil
// *Cron), as for New.
func NewCron(reg prometheus.Registerer, name string) (*Cron, error) {
	if isNilRegisterer(reg) {
		return nil, nil
	}
	runs, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "cron_runs_total",
		Help:      "Runs started by a cron schedule, by schedule and outcome (ok, or the failure's outcome, as in gojinn_requests_total).",
	}, []string{labelCron, labelOutcome}))
	if err != nil {
		return nil, err
	}
	skipped, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "cron_skipped_ticks_total",
		Help:      "Ticks of a cron schedule that started no run because the previous run was still going.",
	}, []string{labelCron}))
	if err != nil {
		return nil, err
	}
	l := prometheus.Labels{labelCron: name}
	return &Cron{runs: runs.MustCurryWith(l), skipped: skipped.With(l)}, nil
}

// ObserveRun counts one finished run in gojinn_cron_runs_total{outcome}.
func (c *Cron) ObserveRun(outcome string) {
	if c == nil {
		return
	}
	c.runs.WithLabelValues(outcome).Inc()
}

// Skipped counts one skipped tick in gojinn_cron_skipped_ticks_total.
func (c *Cron) Skipped() {
	if c == nil {
		return
	}
	c.skipped.Inc()
}
