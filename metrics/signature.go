package metrics

import "github.com/prometheus/client_golang/prometheus"

// labelState is a module signature's state (verified, unsigned...).
const labelState = "state"

// SetSignatureState registers (or reuses) gojinn_module_signature on reg
// and sets the handler's series of state to 1. It is called once per
// handler whose signatures are checked, at load, on that load's registry,
// so such a handler has one series.
// A nil reg does nothing.
func SetSignatureState(reg prometheus.Registerer, handler, state string) error {
	if isNilRegisterer(reg) {
		return nil
	}
	g, err := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "module_signature",
		Help:      "The signature state of each checked handler's module at load (docs/signing.md), 1 on its one series: verified, unsigned, unknown_key, bad_signature or invalid.",
	}, []string{labelHandler, labelState}))
	if err != nil {
		return err
	}
	g.WithLabelValues(handler, state).Set(1)
	return nil
}
