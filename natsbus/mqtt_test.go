package natsbus

import (
	"slices"
	"testing"
)

func TestMQTTSubjects(t *testing.T) {
	cases := map[string][]string{
		"sensors/+/temperature": {"sensors.*.temperature"},
		"a/#":                   {"a", "a.>"},
		"a":                     {"a"},
		"a/b/+/#":               {"a.b.*", "a.b.*.>"},
	}
	for filter, want := range cases {
		if got, err := MQTTSubjects(filter); err != nil || !slices.Equal(got, want) {
			t.Errorf("MQTTSubjects(%q) = %q, %v; want %q", filter, got, err, want)
		}
	}
	for _, bad := range []string{"#", "+/a", "$KV/x", "", "a//b", "a/#/b", "a/b#", "a/x.y", "a/*", "a/>"} {
		if got, err := MQTTSubjects(bad); err == nil {
			t.Errorf("MQTTSubjects(%q) = %q, want an error", bad, got)
		}
	}
}

func TestUncovered(t *testing.T) {
	got := uncovered([]string{"a", "a.>", "a.b", "a.*", "c.*.d", "c.x.d", "c.>", "e", "e"})
	want := []string{"a", "a.>", "c.>", "e"}
	if !slices.Equal(got, want) {
		t.Errorf("uncovered = %q, want %q", got, want)
	}
}

// TestMQTTTopic: the subjects nats-server writes for MQTT topics (its
// mqttToNATSSubjectConversion) come back as the topics.
func TestMQTTTopic(t *testing.T) {
	cases := map[string]string{
		"sensors.kitchen.temperature": "sensors/kitchen/temperature",
		"sensors.a//b":                "sensors/a.b",
		"a./.b":                       "a//b",
		"a./":                         "a/",
		"jobs":                        "jobs",
	}
	for subject, want := range cases {
		if got := MQTTTopic(subject); got != want {
			t.Errorf("MQTTTopic(%q) = %q, want %q", subject, got, want)
		}
	}
}
