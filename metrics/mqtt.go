package metrics

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of an MQTT message's delivery (gojinn_mqtt_messages_total).
const (
	// MQTTDone: the run answered below 500; the message is acknowledged.
	MQTTDone = "done"
	// MQTTRetried: the run failed; the message comes again after a backoff.
	MQTTRetried = "retried"
	// MQTTDead: the last attempt failed; the message is moved to the MQTT
	// dead-letter stream (and logged).
	MQTTDead = "dead"
)

// labelFilter labels a series with its MQTT topic filter.
const labelFilter = "filter"

// MQTT counts MQTT messages. A nil *MQTT is valid: Observe is then a no-op.
type MQTT struct {
	messages *prometheus.CounterVec
}

// NewMQTT registers (or reuses) the MQTT collectors on reg; nil reg gives
// a nil *MQTT (metrics off).
func NewMQTT(reg prometheus.Registerer) (*MQTT, error) {
	if isNilRegisterer(reg) {
		return nil, nil
	}
	messages, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "mqtt_messages_total",
		Help:      "Deliveries of MQTT messages to functions, by topic filter and outcome (done, retried, dead).",
	}, []string{labelFilter, labelOutcome}))
	if err != nil {
		return nil, err
	}
	return &MQTT{messages: messages}, nil
}

// Observe counts one delivery of a message of filter with its outcome.
func (m *MQTT) Observe(filter, outcome string) {
	if m == nil {
		return
	}
	m.messages.WithLabelValues(filter, outcome).Inc()
}
