package natsbus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// mqttConsumerPrefix starts the durable consumer names of MQTT filters.
const mqttConsumerPrefix = "mqtt_"

// MQTTStreamMaxBytes caps the stream of MQTT messages: 1 GiB. A message
// past it is refused by the stream (the MQTT client got its PUBACK
// already) and counted by NATS, not stored.
const MQTTStreamMaxBytes = 1 << 30

// MQTTStream creates or updates the stream name that stores the messages
// of filters (interest retention: a message stays until every filter's
// consumer acknowledged it) and its dead-letter stream
// (MQTTDeadStream), and deletes the consumers of
// filters no longer configured, which would otherwise keep messages
// forever.
func (b *Bus) MQTTStream(ctx context.Context, name string, filters []string) error {
	var subjects []string
	consumers := map[string]bool{}
	for _, f := range filters {
		s, err := MQTTSubjects(f)
		if err != nil {
			return fmt.Errorf("natsbus: %w", err)
		}
		subjects = append(subjects, s...)
		consumers[mqttConsumerName(f)] = true
	}
	stream, err := ensureStream(ctx, b.shared.js, jetstream.StreamConfig{
		Name:      name,
		Subjects:  uncovered(subjects),
		Retention: jetstream.InterestPolicy,
		Storage:   jetstream.FileStorage,
		MaxBytes:  MQTTStreamMaxBytes,
		Discard:   jetstream.DiscardNew,
		Replicas:  b.shared.replicas,
	})
	if err != nil {
		return fmt.Errorf("natsbus: the stream %s of MQTT messages: %w", name, err)
	}
	if err := b.mqttDeadStream(ctx, name); err != nil {
		return err
	}
	names := stream.ConsumerNames(ctx)
	for n := range names.Name() {
		if strings.HasPrefix(n, mqttConsumerPrefix) && !consumers[n] {
			if err := stream.DeleteConsumer(ctx, n); err != nil {
				return fmt.Errorf("natsbus: deleting the consumer %s of a removed MQTT filter: %w", n, err)
			}
		}
	}
	return names.Err()
}

// mqttConsumerName is the durable consumer of filter.
func mqttConsumerName(filter string) string {
	sum := sha256.Sum256([]byte(filter))
	return mqttConsumerPrefix + hex.EncodeToString(sum[:8])
}

// uncovered drops duplicates and the subjects another one matches: a
// stream refuses overlapping subjects.
func uncovered(subjects []string) []string {
	var out []string
	for i, s := range subjects {
		covered := slices.Contains(subjects[:i], s)
		for j, o := range subjects {
			if j != i && o != s && subjectCovers(o, s) {
				covered = true
			}
		}
		if !covered {
			out = append(out, s)
		}
	}
	return out
}

// subjectCovers reports whether every subject that b matches, a matches.
func subjectCovers(a, b string) bool {
	at, bt := strings.Split(a, "."), strings.Split(b, ".")
	for i, t := range at {
		switch {
		case t == ">": // one token or more
			return i < len(bt)
		case i >= len(bt):
			return false
		case t == "*" && bt[i] != ">":
		case t != bt[i]:
			return false
		}
	}
	return len(at) == len(bt)
}

// MQTTConsumer says how an MQTT filter's messages are consumed.
type MQTTConsumer struct {
	// AckWait is how long a message may stay unacknowledged (a run, or a
	// crash of Caddy) before JetStream delivers it again.
	AckWait time.Duration
	// Concurrency is how many messages run at once (default 1).
	Concurrency int
}

// MQTTMessage is one delivery of an MQTT message. Exactly one of Ack,
// Retry and Dead must be called.
type MQTTMessage struct {
	// Topic is the message's MQTT topic.
	Topic string
	// Payload is its body.
	Payload []byte
	// Attempt is 1 on the first delivery.
	Attempt int
	msg     jetstream.Msg
	bus     *Bus
	filter  string
	deadSub string // the dead-letter stream's subject prefix
	id      string // its dead-letter id (mqttDeadID)
}

// Ack ends the message: it was handled.
func (m *MQTTMessage) Ack() error { return m.msg.Ack() }

// Retry has the message delivered again after delay.
func (m *MQTTMessage) Retry(delay time.Duration) error { return m.msg.NakWithDelay(delay) }

// MQTTConsumption is a running consumer of one filter.
type MQTTConsumption struct {
	cc       jetstream.ConsumeContext
	mu       sync.Mutex
	stopped  bool
	inflight sync.WaitGroup // Add only under mu, before stopped
}

// ConsumeMQTT calls handle for each message of filter stored in stream
// (MQTTStream), cfg.Concurrency at a time, each in its own goroutine,
// until Stop. Unacknowledged messages survive a restart: the durable
// consumer delivers them again.
func (b *Bus) ConsumeMQTT(ctx context.Context, stream, filter string, cfg MQTTConsumer, handle func(*MQTTMessage)) (*MQTTConsumption, error) {
	subjects, err := MQTTSubjects(filter)
	if err != nil {
		return nil, fmt.Errorf("natsbus: %w", err)
	}
	cfg.Concurrency = max(cfg.Concurrency, 1)
	cons, err := ensureConsumer(ctx, b.shared.js, stream, jetstream.ConsumerConfig{
		Durable:        mqttConsumerName(filter),
		Description:    "gojinn MQTT filter " + filter,
		FilterSubjects: subjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        cfg.AckWait,
		MaxDeliver:     -1, // the caller bounds attempts and dead-letters, so nothing is left stuck
		MaxAckPending:  cfg.Concurrency,
	})
	if err != nil {
		return nil, fmt.Errorf("natsbus: the consumer of MQTT filter %s: %w", filter, err)
	}
	c := &MQTTConsumption{}
	slots := make(chan struct{}, cfg.Concurrency)
	c.cc, err = cons.Consume(func(msg jetstream.Msg) {
		attempt, seq := 1, uint64(0)
		if md, err := msg.Metadata(); err == nil {
			attempt, seq = int(md.NumDelivered), md.Sequence.Stream
		}
		m := &MQTTMessage{
			Topic: MQTTTopic(msg.Subject()), Payload: msg.Data(), Attempt: attempt, msg: msg,
			bus: b, filter: filter, deadSub: MQTTDeadStream(stream), id: mqttDeadID(seq, filter),
		}
		slots <- struct{}{}
		c.mu.Lock()
		if c.stopped {
			c.mu.Unlock()
			<-slots
			_ = msg.Nak() // for the next config, at once
			return
		}
		c.inflight.Add(1)
		c.mu.Unlock()
		go func() {
			defer func() { <-slots; c.inflight.Done() }()
			handle(m)
		}()
	}, jetstream.PullMaxMessages(cfg.Concurrency))
	if err != nil {
		return nil, fmt.Errorf("natsbus: consuming MQTT filter %s: %w", filter, err)
	}
	return c, nil
}

// Stop stops fetching messages; a message fetched and not yet handed to
// a handler is delivered again at once (to the next config).
func (c *MQTTConsumption) Stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.cc.Stop()
}

// Wait waits for the handlers running, after Stop.
func (c *MQTTConsumption) Wait() { c.inflight.Wait() }
