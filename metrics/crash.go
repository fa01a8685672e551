package metrics

import "github.com/prometheus/client_golang/prometheus"

// labelResult says how writing a crash record went: written or failed.
const labelResult = "result"

// Crash is the view of the crash recording collectors for one handler
// (docs/crashes.md). A nil *Crash is valid: every method is then a no-op.
// Its methods are safe for concurrent use.
type Crash struct {
	written prometheus.Counter
	failed  prometheus.Counter
}

// NewCrash registers (or reuses) the crash recording collectors on reg
// and returns the view of the handler called name. A nil reg turns them
// off (a nil *Crash), as for New.
func NewCrash(reg prometheus.Registerer, name string) (*Crash, error) {
	if isNilRegisterer(reg) {
		return nil, nil
	}
	records, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "crash_records_total",
		Help:      "Crash records of failed runs, by handler and result: written, or failed (the record could not be written and is lost).",
	}, []string{labelHandler, labelResult}))
	if err != nil {
		return nil, err
	}
	h := prometheus.Labels{labelHandler: name}
	return &Crash{
		written: records.MustCurryWith(h).WithLabelValues("written"),
		failed:  records.MustCurryWith(h).WithLabelValues("failed"),
	}, nil
}

// Written counts one record written.
func (c *Crash) Written() {
	if c != nil {
		c.written.Inc()
	}
}

// Failed counts one record that could not be written.
func (c *Crash) Failed() {
	if c != nil {
		c.failed.Inc()
	}
}
