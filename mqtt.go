package gojinn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/metrics"
	"github.com/gojinn/gojinn/natsbus"
	"github.com/gojinn/gojinn/sandbox"
)

// MQTT defaults (docs/events.md).
const (
	defaultMQTTMaxAttempts = 5
	defaultMQTTBackoff     = time.Second
	defaultMQTTBackoffCap  = 5 * time.Minute
	defaultMQTTConcurrency = 4
	// mqttStream names the JetStream stream of MQTT messages, after the
	// bucket prefix.
	mqttStream = "mqtt"
	// mqttGrace is how long runs in flight may go on when Caddy stops or
	// reloads; then they are canceled and their messages come again.
	mqttGrace = 5 * time.Second
)

// MQTT is the embedded NATS server's MQTT listener and the functions run
// for its messages (docs/events.md). Placeholders ({env.X}) in the
// string fields are resolved at load.
type MQTT struct {
	// Listen is the MQTT listener's host:port on the embedded NATS
	// server; "" leaves it off. A non-loopback address requires User and
	// Password over TLS.
	Listen string `json:"listen,omitempty"`
	// User is the user name MQTT clients must send; "" lets them connect
	// without credentials (loopback only).
	User string `json:"user,omitempty"`
	// Password is User's password. It is never logged.
	Password string `json:"password,omitempty"`
	// TLSCert is the PEM file of the listener's certificate (chain):
	// given, the listener speaks TLS only.
	TLSCert string `json:"tls_cert,omitempty"`
	// TLSKey is the PEM file of TLSCert's private key.
	TLSKey string `json:"tls_key,omitempty"`
	// Subscriptions run functions for the messages of topic filters.
	Subscriptions []*MQTTSubscription `json:"subscriptions,omitempty"`

	app     *App
	log     *zap.Logger
	metrics *metrics.MQTT
	running []*natsbus.MQTTConsumption
	// runs is the context of the runs, canceled once the grace period
	// after stop is over.
	runs       context.Context
	cancelRuns context.CancelFunc
}

// MQTTSubscription runs a function for each message whose topic matches
// Filter.
type MQTTSubscription struct {
	// Filter is an MQTT topic filter, with + and # wildcards; its first
	// level is a name.
	Filter string `json:"filter"`
	// Function is the handler that runs for each message.
	Function *Gojinn `json:"function"`
	// MaxAttempts is how many times a message is run before it is moved
	// to the MQTT dead-letter stream (with an error log line). Default 5.
	MaxAttempts int `json:"max_attempts,omitempty"`
	// Backoff is the delay before the second attempt, doubled for each
	// next one up to BackoffMax. Default: 1s.
	Backoff caddy.Duration `json:"backoff,omitempty"`
	// BackoffMax caps the retry delay. Default: 5m.
	BackoffMax caddy.Duration `json:"backoff_max,omitempty"`
	// Concurrency is how many of its messages run at once on this node.
	// Default 4.
	Concurrency int `json:"concurrency,omitempty"`
}

// provision resolves the settings, checks them, tells the app's NATS
// config about the listener and provisions the functions.
func (m *MQTT) provision(ctx caddy.Context, app *App) error {
	m.app, m.log = app, ctx.Logger().Named("mqtt")
	mm, err := metrics.NewMQTT(ctx.GetMetricsRegistry())
	if err != nil {
		return fmt.Errorf("gojinn: mqtt: %w", err)
	}
	m.metrics = mm
	repl := caddy.NewReplacer()
	var subjects []string
	for _, s := range m.Subscriptions {
		subs, err := natsbus.MQTTSubjects(s.Filter)
		if err != nil {
			return fmt.Errorf("gojinn: mqtt: %w", err)
		}
		subjects = append(subjects, subs...)
		switch {
		case s.MaxAttempts < 0 || s.Backoff < 0 || s.BackoffMax < 0 || s.Concurrency < 0:
			return fmt.Errorf("gojinn: mqtt %q: max_attempts, backoff and concurrency must be greater than 0", s.Filter)
		case s.Backoff > 0 && s.BackoffMax > 0 && s.BackoffMax < s.Backoff:
			return fmt.Errorf("gojinn: mqtt %q: the backoff cap %s is below its first delay %s", s.Filter, time.Duration(s.BackoffMax), time.Duration(s.Backoff))
		}
		if err := provisionFunction(ctx, app, s.Function, "mqtt:"+s.Filter); err != nil {
			return err
		}
	}
	listen := repl.ReplaceKnown(m.Listen, "")
	switch {
	case listen == "" && len(m.Subscriptions) > 0 && app.bus.URL == "":
		return errors.New("gojinn: mqtt filters need mqtt_listen (the embedded NATS server's MQTT listener), or nats_url with a server that has MQTT on")
	case listen == "":
		return nil
	case app.bus.URL != "":
		return errors.New("gojinn: mqtt_listen configures the embedded NATS server; with nats_url, turn MQTT on in that server (mqtt filters still work through its JetStream)")
	}
	cfg, err := m.listenerConfig(repl, listen)
	if err != nil {
		return fmt.Errorf("gojinn: mqtt_listen %s: %w", listen, err)
	}
	cfg.Subjects = subjects
	app.bus.MQTT = cfg
	return nil
}

// listenerConfig is the embedded server's MQTT setup: a non-loopback
// listener must have a user and password, and TLS.
func (m *MQTT) listenerConfig(repl *caddy.Replacer, listen string) (*natsbus.MQTTConfig, error) {
	host, portText, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("want host:port: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("port %q: want 1..65535", portText)
	}
	cfg := &natsbus.MQTTConfig{
		Host:     host,
		Port:     port,
		User:     repl.ReplaceKnown(m.User, ""),
		Password: repl.ReplaceKnown(m.Password, ""),
	}
	if (cfg.User == "") != (cfg.Password == "") {
		return nil, errors.New("mqtt_user and mqtt_password go together")
	}
	if cert, key := repl.ReplaceKnown(m.TLSCert, ""), repl.ReplaceKnown(m.TLSKey, ""); cert != "" || key != "" {
		if cfg.TLS, err = loadTLS(cert, key); err != nil {
			return nil, err
		}
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	if !loopback && (cfg.TLS == nil || cfg.User == "") {
		return nil, errors.New("a listener beyond loopback needs mqtt_user and mqtt_password over TLS (mqtt_tls)")
	}
	return cfg, nil
}

// start creates the stream of the filters' messages and consumes each
// filter with its function.
func (m *MQTT) start() error {
	if len(m.Subscriptions) == 0 && m.app.bus.MQTT == nil {
		return nil
	}
	bus, err := m.app.Bus()
	if err != nil {
		return err
	}
	if m.app.bus.MQTT != nil {
		m.log.Info("MQTT listener on", zap.String("listen", net.JoinHostPort(m.app.bus.MQTT.Host, strconv.Itoa(m.app.bus.MQTT.Port))), zap.Bool("tls", m.app.bus.MQTT.TLS != nil), zap.Bool("auth", m.app.bus.MQTT.User != ""))
	}
	if len(m.Subscriptions) == 0 {
		return nil
	}
	m.runs, m.cancelRuns = context.WithCancel(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream := m.app.kvCfg.Prefix + mqttStream
	if m.app.kvCfg.Prefix == "" {
		stream = natsbus.DefaultPrefix + mqttStream
	}
	filters := make([]string, len(m.Subscriptions))
	for i, s := range m.Subscriptions {
		filters[i] = s.Filter
	}
	if err := bus.MQTTStream(ctx, stream, filters); err != nil {
		return fmt.Errorf("gojinn: %w", err)
	}
	for _, s := range m.Subscriptions {
		timeout := time.Duration(s.Function.Timeout)
		if timeout <= 0 {
			timeout = time.Minute
		}
		cfg := natsbus.MQTTConsumer{AckWait: 2*timeout + 30*time.Second, Concurrency: s.Concurrency}
		if cfg.Concurrency == 0 {
			cfg.Concurrency = defaultMQTTConcurrency
		}
		c, err := bus.ConsumeMQTT(ctx, stream, s.Filter, cfg, s.handler(m))
		if err != nil {
			_ = m.stop()
			return fmt.Errorf("gojinn: %w", err)
		}
		m.running = append(m.running, c)
	}
	return nil
}

// handler runs the function for one message and settles it: acknowledged
// when the run answered below 500, retried after the backoff otherwise,
// moved to the dead letters (with an error line) after MaxAttempts.
func (s *MQTTSubscription) handler(m *MQTT) func(*natsbus.MQTTMessage) {
	maxAttempts := s.MaxAttempts
	if maxAttempts == 0 {
		maxAttempts = defaultMQTTMaxAttempts
	}
	return func(msg *natsbus.MQTTMessage) {
		req := &sandbox.Request{
			Method: "POST",
			URI:    "/mqtt/" + msg.Topic,
			Headers: map[string][]string{
				"X-Gojinn-Trigger": {"mqtt"},
				"X-Gojinn-Topic":   {msg.Topic},
				"X-Gojinn-Attempt": {strconv.Itoa(msg.Attempt)},
			},
			Body:    msg.Payload,
			TraceID: newTraceparent(),
			Proto:   "MQTT",
		}
		inv := s.Function.Invoke(m.runs, req)
		if m.runs.Err() != nil {
			// Stopped past the grace period: the run's failure is not the
			// message's, which comes again at once for the next config.
			_ = msg.Retry(0)
			return
		}
		m.log.Debug("MQTT message ran", zap.String("topic", msg.Topic), zap.Int("attempt", msg.Attempt), zap.Int("status", inv.Status), zap.String("trace_id", req.TraceID))
		var err error
		switch {
		case inv.Status < 500:
			err = msg.Ack()
			m.metrics.Observe(s.Filter, metrics.MQTTDone)
		case msg.Attempt < maxAttempts:
			err = msg.Retry(s.backoff(msg.Attempt))
			m.metrics.Observe(s.Filter, metrics.MQTTRetried)
		default:
			reason := inv.Reason
			if reason == "" { // the guest answered a 5xx
				reason = "status " + strconv.Itoa(inv.Status)
			}
			info := natsbus.DeadInfo{Reason: reason, StderrTail: inv.StderrTail, Attempts: msg.Attempt}
			if err = msg.Dead(m.runs, info); err != nil {
				// Not stored (the dead letters full?): it stays, and comes
				// again after the backoff; logged below.
				_ = msg.Retry(s.backoff(msg.Attempt))
				break
			}
			m.metrics.Observe(s.Filter, metrics.MQTTDead)
			m.log.Error("MQTT message dead-lettered after its last attempt",
				zap.String("filter", s.Filter), zap.String("topic", msg.Topic), zap.Int("attempts", msg.Attempt),
				zap.Int("status", inv.Status), zap.String("reason", reason), zap.String("stderr_tail", inv.StderrTail),
				zap.String("trace_id", req.TraceID))
		}
		if err != nil {
			// The message comes again after the ack wait.
			m.log.Warn("settling an MQTT message failed", zap.String("topic", msg.Topic), zap.Error(err))
		}
	}
}

// backoff is the delay after failed attempt n (1 for the first).
func (s *MQTTSubscription) backoff(n int) time.Duration {
	d, ceiling := time.Duration(s.Backoff), time.Duration(s.BackoffMax)
	if d == 0 {
		d = defaultMQTTBackoff
	}
	if ceiling == 0 {
		ceiling = max(defaultMQTTBackoffCap, d)
	}
	for range n - 1 {
		if d *= 2; d >= ceiling {
			return ceiling
		}
	}
	return d
}

// stop stops consuming: no new run starts, and the runs in flight get
// mqttGrace to finish; then they are canceled and their messages come
// again.
func (m *MQTT) stop() error {
	for _, c := range m.running {
		c.Stop()
	}
	done := make(chan struct{})
	go func() {
		for _, c := range m.running {
			c.Wait()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(mqttGrace):
		m.log.Warn("MQTT runs still going after the grace period are canceled; their messages come again", zap.Duration("grace", mqttGrace))
		m.cancelRuns()
		<-done
	}
	if m.cancelRuns != nil {
		m.cancelRuns()
	}
	m.running = nil
	return nil
}

// cleanup releases the functions.
func (m *MQTT) cleanup() {
	for _, s := range m.Subscriptions {
		if s.Function != nil {
			_ = s.Function.Cleanup()
		}
	}
}

// loadTLS is the listener's TLS config from PEM files.
func loadTLS(cert, key string) (*tls.Config, error) {
	if cert == "" || key == "" {
		return nil, errors.New("mqtt_tls takes a certificate and a key")
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("mqtt_tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}
