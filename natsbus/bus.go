// Package natsbus connects Gojinn to NATS: an embedded nats-server with
// JetStream (in-process, listening on no port, its file store in a
// directory) or an external server given by URL, and key-value stores on
// JetStream KV buckets (KV, implementing host.KV).
//
// One embedded server runs per store directory and process: every Open of
// the same directory shares it (and its in-process connection), and the
// last Close stops it. Caddy provisions a new config before it stops the
// old one, so a reload reuses the running server instead of starting a
// second one on the same files (two servers on one directory corrupt
// each other: nats-server takes no lock). Connections to an external
// server are shared the same way, by URL and credentials.
//
// The package knows nothing of Caddy.
package natsbus

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// Limits of Config.MaxValue.
const (
	// DefaultMaxValue is the value cap when Config.MaxValue is 0: 1 MiB.
	DefaultMaxValue = 1 << 20
	// MaxMaxValue is the largest value cap: NATS refuses a max payload
	// above its max pending size (64 MiB), and a message carries headers
	// beside its value.
	MaxMaxValue = 64<<20 - headroom
)

const (
	// headroom is what a message needs beside its value: the headers
	// JetStream KV writes (expected revision, TTL, rollup) are a few
	// hundred bytes; the subject does not count against max payload.
	headroom = 64 << 10
	// embeddedMinPayload is the embedded server's max payload when the
	// value cap needs less: nats-server warns above 8 MiB, never below.
	embeddedMinPayload = 8 << 20
	// startTimeout bounds the embedded server's start and an external
	// server's first round trip.
	startTimeout = 30 * time.Second
)

// Config says which NATS to use and how.
type Config struct {
	// StoreDir is the embedded server's directory; JetStream keeps its
	// files in StoreDir/jetstream. Used when URL is "".
	StoreDir string
	// URL is an external NATS server (or a comma-separated list of a
	// cluster's servers) with JetStream enabled; "" runs the embedded one.
	URL string
	// CredsFile is a NATS credentials file for URL (optional).
	CredsFile string
	// MaxValue is the largest value a user writes: the embedded server's
	// max payload is set above it, an external server's is checked against
	// it. Default DefaultMaxValue.
	MaxValue int64
	// SyncInterval is how often the embedded server's JetStream syncs its
	// files to disk; 0 means nats-server's default (2 minutes).
	SyncInterval time.Duration
	// SyncAlways makes the embedded server sync every write to disk
	// before acknowledging it.
	SyncAlways bool
	// MQTT turns on the embedded server's MQTT listener (nil: off). It
	// takes effect when the server starts: a reload that changes it fails.
	MQTT *MQTTConfig
	// Cluster makes the embedded server a node of a NATS cluster (nil:
	// a server of its own). It takes effect when the server starts: a
	// reload that changes it fails.
	Cluster *ClusterConfig
	// Logger receives the embedded server's log and connection events.
	// Default: none.
	Logger *zap.Logger
}

// Bus is one user's hold on a shared NATS connection (and, when embedded,
// its server). Close it when done; the last Close stops the server.
type Bus struct {
	shared   *shared
	maxValue int64
	once     sync.Once
}

// shared is one connection (and embedded server) and its users.
type shared struct {
	key  string
	refs int
	srv  *server.Server // nil for an external server
	nc   *nats.Conn
	js   jetstream.JetStream
	sync string // the embedded server's sync setting, for a warning on reuse
	mqtt string // the embedded server's MQTT setup (MQTTConfig.key)
	// cluster is the embedded server's cluster setup (ClusterConfig.key).
	cluster string
	// replicas is how many copies of each stream and store JetStream
	// keeps: 1, or the cluster's replicas.
	replicas int
	// opts are the embedded server's options, for a reload that adds
	// the system account's user (systemAuth).
	opts *server.Options
	// sysMu guards sysAuth, which connects to the embedded server in
	// the system account (RemoveNode); nil until first needed.
	sysMu   sync.Mutex
	sysAuth nats.Option
	log     *zap.Logger
	unlock  func() // releases the store directory's lock
}

var (
	mu      sync.Mutex
	running = map[string]*shared{}
)

// Open returns a hold on the NATS cfg names, starting the embedded server
// or connecting to the external one unless another user already did.
func Open(cfg Config) (*Bus, error) {
	if cfg.MaxValue == 0 {
		cfg.MaxValue = DefaultMaxValue
	}
	if cfg.MaxValue < 0 || cfg.MaxValue > MaxMaxValue {
		return nil, fmt.Errorf("natsbus: the value cap %d is not within 1..%d bytes", cfg.MaxValue, MaxMaxValue)
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Cluster != nil {
		if cfg.URL != "" {
			return nil, errors.New("natsbus: a cluster is for the embedded server, not with a NATS URL")
		}
		if err := cfg.Cluster.Validate(); err != nil {
			return nil, fmt.Errorf("natsbus: %w", err)
		}
	}
	key, err := sharedKey(cfg)
	if err != nil {
		return nil, err
	}
	b, started, err := open(cfg, key)
	if started && cfg.Cluster != nil {
		// Outside the lock: the wait ends when the other nodes are up,
		// which may be other Opens of this process (tests).
		awaitCluster(b.shared.srv, b.shared.js, cfg.Cluster, cfg.Logger)
	}
	return b, err
}

// open returns a hold on the server of key, starting it if it is not
// running (started).
func open(cfg Config, key string) (b *Bus, started bool, err error) {
	mu.Lock()
	defer mu.Unlock()
	s := running[key]
	if s == nil {
		if s, err = start(cfg); err != nil {
			return nil, false, err
		}
		s.key = key
		running[key] = s
		started = true
	} else if s.srv != nil && s.mqtt != cfg.MQTT.key() {
		return nil, false, errors.New("natsbus: the MQTT settings (mqtt_listen, its users, TLS and topic filters) changed: they take effect when Caddy restarts the embedded NATS server")
	} else if s.srv != nil && s.cluster != cfg.Cluster.key() {
		return nil, false, errors.New("natsbus: the cluster settings changed: they take effect when Caddy restarts the embedded NATS server")
	} else if s.srv != nil && s.sync != syncSetting(cfg) {
		cfg.Logger.Warn("the embedded NATS server keeps its sync setting until Caddy restarts",
			zap.String("running", s.sync), zap.String("configured", syncSetting(cfg)))
	}
	if need := cfg.MaxValue + headroom; s.nc.MaxPayload() < need {
		if s.refs == 0 {
			s.close()
			delete(running, key)
		}
		started = false
		hint := "raise max_payload on the NATS server"
		if s.srv != nil {
			hint = "restart Caddy to restart the embedded server with a larger one"
		}
		return nil, false, fmt.Errorf("natsbus: the NATS server's max payload (%d bytes) is too small for values of %d bytes (needs %d): %s",
			s.nc.MaxPayload(), cfg.MaxValue, need, hint)
	}
	s.refs++
	return &Bus{shared: s, maxValue: cfg.MaxValue}, started, nil
}

// sharedKey names what Open shares: the store directory, or the URL with
// its credentials.
func sharedKey(cfg Config) (string, error) {
	if cfg.URL != "" {
		return "url:" + cfg.URL + "\x00" + cfg.CredsFile, nil
	}
	if cfg.StoreDir == "" {
		return "", errors.New("natsbus: no store directory and no NATS URL")
	}
	dir, err := filepath.Abs(cfg.StoreDir)
	if err != nil {
		return "", fmt.Errorf("natsbus: store directory %s: %w", cfg.StoreDir, err)
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return "dir:" + dir, nil
}

func syncSetting(cfg Config) string {
	switch {
	case cfg.SyncAlways:
		return "always"
	case cfg.SyncInterval > 0:
		return cfg.SyncInterval.String()
	default:
		return "default"
	}
}

func start(cfg Config) (*shared, error) {
	if cfg.URL != "" {
		return connect(cfg)
	}
	return startEmbedded(cfg)
}

// startEmbedded starts nats-server in-process with JetStream on
// cfg.StoreDir, listening on no port, and connects to it in-process.
func startEmbedded(cfg Config) (s *shared, err error) {
	unlock, err := lockDir(cfg.StoreDir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	payload := max(cfg.MaxValue+headroom, embeddedMinPayload)
	opts := &server.Options{
		ServerName:   "gojinn",
		JetStream:    true,
		StoreDir:     cfg.StoreDir,
		DontListen:   true,
		NoSigs:       true,
		MaxPayload:   int32(payload),
		SyncInterval: cfg.SyncInterval,
		SyncAlways:   cfg.SyncAlways,
	}
	auth := nats.Name("gojinn")
	if cfg.MQTT != nil {
		if auth, err = applyMQTT(opts, cfg.MQTT); err != nil {
			return nil, err
		}
	}
	if cfg.Cluster != nil {
		if err := refuseStandaloneData(cfg.StoreDir); err != nil {
			return nil, err
		}
		if auth, err = applyCluster(opts, cfg.Cluster, auth); err != nil {
			return nil, err
		}
	}
	saved := opts.Clone() // NewServer owns opts
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsbus: embedded NATS server: %w", err)
	}
	log := newServerLogger(cfg.Logger.Named("nats"))
	srv.SetLoggerV2(log, false, false, false)
	srv.Start() // returns once JetStream is up, or has failed
	if why := log.lastFatal(); why != "" || !srv.ReadyForConnections(startTimeout) || !srv.JetStreamEnabled() {
		srv.Shutdown()
		srv.WaitForShutdown()
		if why == "" {
			why = "not ready with JetStream in " + startTimeout.String()
		}
		return nil, fmt.Errorf("natsbus: embedded NATS server on %s did not start: %s", cfg.StoreDir, why)
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("gojinn"), auth, nats.MaxReconnects(-1))
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("natsbus: connecting to the embedded NATS server: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("natsbus: JetStream: %w", err)
	}
	if cfg.Cluster != nil {
		cfg.Logger.Info("embedded NATS server started as a cluster node", zap.String("store_dir", cfg.StoreDir),
			zap.String("cluster", cfg.Cluster.Name), zap.String("node", cfg.Cluster.Node), zap.String("listen", cfg.Cluster.Listen),
			zap.Int("replicas", cfg.Cluster.replicas()), zap.String("sync", syncSetting(cfg)))
	} else {
		cfg.Logger.Info("embedded NATS server started", zap.String("store_dir", cfg.StoreDir), zap.String("sync", syncSetting(cfg)))
	}
	return &shared{
		srv: srv, nc: nc, js: js, sync: syncSetting(cfg), mqtt: cfg.MQTT.key(), log: cfg.Logger, unlock: unlock,
		cluster: cfg.Cluster.key(), replicas: cfg.Cluster.replicas(), opts: saved,
	}, nil
}

// connect connects to an external server and checks that it has
// JetStream. While the connection is down, calls fail at once
// (unavailable) and the client keeps reconnecting.
func connect(cfg Config) (*shared, error) {
	shown := redact(cfg.URL)
	log := cfg.Logger
	opts := []nats.Option{
		nats.Name("gojinn"),
		nats.MaxReconnects(-1),
		// Nothing is buffered while disconnected: a write fails
		// (unavailable) rather than waiting for a reconnection.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("NATS connection lost", zap.String("nats_url", shown), zap.Error(err))
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			log.Info("NATS connection restored", zap.String("nats_url", shown))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn("NATS error", zap.String("nats_url", shown), zap.Error(err))
		}),
	}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("natsbus: connecting to %s: %w", shown, err)
	}
	js, err := jetstream.New(nc)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		_, err = js.AccountInfo(ctx)
		cancel()
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("natsbus: JetStream on %s: %w", shown, err)
	}
	log.Info("connected to NATS", zap.String("nats_url", shown), zap.String("server", nc.ConnectedServerName()))
	return &shared{nc: nc, js: js, log: cfg.Logger, replicas: 1}, nil
}

// redact hides the passwords and tokens in a NATS URL list.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = url.User("redacted")
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}

// Close releases this hold; the last one closes the connection and stops
// the embedded server. Closing twice is harmless.
func (b *Bus) Close() {
	b.once.Do(func() {
		mu.Lock()
		defer mu.Unlock()
		s := b.shared
		if s.refs--; s.refs == 0 {
			delete(running, s.key)
			s.close()
		}
	})
}

func (s *shared) close() {
	s.nc.Close()
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		s.unlock()
		s.log.Info("embedded NATS server stopped", zap.String("store_dir", strings.TrimPrefix(s.key, "dir:")))
	}
}
