package natsbus

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// MQTTDeadMaxBytes caps the dead-letter stream of MQTT messages: 256 MiB.
// When it is full, a message whose last attempt failed stays in the
// stream of MQTT messages and is tried again after its backoff.
const MQTTDeadMaxBytes = 256 << 20

// Headers of an MQTT dead letter (its payload is the message's body).
const (
	hdrMQTTTopic  = "Gojinn-Mqtt-Topic"
	hdrMQTTFilter = "Gojinn-Mqtt-Filter"
)

// MQTTDeadStream is the dead-letter stream of the MQTT stream named
// stream; a dead letter's subject is MQTTDeadStream(stream) + "." + id.
func MQTTDeadStream(stream string) string { return stream + "_dead" }

// MQTTDeadLetter is an MQTT message whose last attempt failed, and why.
type MQTTDeadLetter struct {
	// ID is its id in the dead-letter stream.
	ID string `json:"id"`
	// Filter is the topic filter whose function failed.
	Filter string `json:"filter"`
	// Topic is the message's MQTT topic.
	Topic string `json:"topic"`
	// Payload is the message's body.
	Payload []byte `json:"payload"`
	DeadInfo
	// Seq is its place in the dead-letter stream (for paging).
	Seq uint64 `json:"seq"`
}

// mqttDeadStream creates or updates the dead-letter stream of the MQTT
// stream name: limits retention (a dead letter stays until deleted),
// one subject per message id, capped at MQTTDeadMaxBytes.
func (b *Bus) mqttDeadStream(ctx context.Context, name string) error {
	dead := MQTTDeadStream(name)
	_, err := ensureStream(ctx, b.shared.js, jetstream.StreamConfig{
		Name:        dead,
		Description: "Gojinn MQTT messages: dead letters",
		Subjects:    []string{dead + ".*"},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		MaxBytes:    MQTTDeadMaxBytes,
		Duplicates:  2 * time.Minute,
		Storage:     jetstream.FileStorage,
		Replicas:    b.shared.replicas,
	})
	if err != nil {
		return fmt.Errorf("natsbus: the dead-letter stream %s of MQTT messages: %w", dead, err)
	}
	return nil
}

// Dead copies the message to the dead letters with why its last attempt
// failed, then acknowledges it. Its id is the message's sequence in the
// MQTT stream and its filter's consumer, so a second copy after a crash
// between the two steps is a no-op.
func (m *MQTTMessage) Dead(ctx context.Context, info DeadInfo) error {
	msg := nats.NewMsg(m.deadSub + "." + m.id)
	msg.Header.Set(hdrMQTTTopic, m.Topic)
	msg.Header.Set(hdrMQTTFilter, m.filter)
	msg.Data = m.Payload
	if err := m.bus.publishDead(ctx, msg, m.deadSub+"-"+m.id, info); err != nil {
		return fmt.Errorf("natsbus: storing the dead MQTT message %s: %w", m.id, queueErr(err))
	}
	return m.msg.Ack()
}

// MQTTDead lists up to limit dead letters of the MQTT stream named stream
// after the sequence after (0 for the first page); next is the after of
// the next page, 0 at the end.
func (b *Bus) MQTTDead(ctx context.Context, stream string, after uint64, limit int) (letters []MQTTDeadLetter, next uint64, err error) {
	dead := MQTTDeadStream(stream)
	s, err := b.shared.js.Stream(ctx, dead)
	if err != nil {
		return nil, 0, mapErr(err)
	}
	return deadPage(ctx, s, dead+".*", after, limit, func(raw *jetstream.RawStreamMsg) MQTTDeadLetter {
		return MQTTDeadLetter{
			ID:       strings.TrimPrefix(raw.Subject, dead+"."),
			Filter:   raw.Header.Get(hdrMQTTFilter),
			Topic:    raw.Header.Get(hdrMQTTTopic),
			Payload:  raw.Data,
			DeadInfo: deadInfo(raw.Header),
			Seq:      raw.Sequence,
		}
	})
}

// mqttDeadID is the dead-letter id of the message at seq in the MQTT
// stream, as consumed by the consumer of filter.
func mqttDeadID(seq uint64, filter string) string {
	return strconv.FormatUint(seq, 10) + "-" + strings.TrimPrefix(mqttConsumerName(filter), mqttConsumerPrefix)
}
