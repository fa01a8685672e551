package natsbus

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/host"
)

// TestOneServerPerDirectory: opening a directory that has a running
// server shares it (data and all) instead of starting a second one; the
// last Close stops it, and a new Open finds the data on disk.
func TestOneServerPerDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	core, logs := observer.New(zapcore.InfoLevel)
	cfg := Config{StoreDir: dir, Logger: zap.New(core)}
	first, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	// The same directory through another path is the same directory.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	second, err := Open(Config{StoreDir: link, SyncAlways: true, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	if first.shared != second.shared {
		t.Fatal("a second Open of a directory started a second server")
	}
	if n := logs.FilterMessage("embedded NATS server started").Len(); n != 1 {
		t.Fatalf("%d servers started, want 1", n)
	}
	if logs.FilterMessageSnippet("keeps its sync setting").Len() != 1 {
		t.Error("no warning that a different sync setting waits for a restart")
	}
	kv1 := newKV(t, first, KVConfig{})
	if _, err := kv1.Set(ctx, "s", "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	first.Close()
	first.Close() // harmless
	kv2 := newKV(t, second, KVConfig{})
	if v, _, err := kv2.Get(ctx, "s", "k"); err != nil || string(v) != "v" {
		t.Fatalf("after the first user closed: %q %v", v, err)
	}
	second.Close()
	_, _, err = kv2.Get(ctx, "s", "k")
	wantErr(t, "a call after the last Close", err, host.ErrUnavailable)
	if len(running) != 0 {
		t.Fatalf("%d servers still registered", len(running))
	}

	third := openBus(t, cfg)
	if v, _, err := newKV(t, third, KVConfig{}).Get(ctx, "s", "k"); err != nil || string(v) != "v" {
		t.Fatalf("after a restart of the server: %q %v", v, err)
	}
}

// TestMaxPayload: the embedded server takes the value cap's messages; a
// running server too small for a new config's cap is a clear error.
func TestMaxPayload(t *testing.T) {
	dir := t.TempDir()
	b := openBus(t, Config{StoreDir: dir})
	if got := b.shared.nc.MaxPayload(); got < DefaultMaxValue+headroom {
		t.Fatalf("embedded max payload %d", got)
	}
	_, err := Open(Config{StoreDir: dir, MaxValue: 20 << 20})
	if err == nil || !strings.Contains(err.Error(), "restart Caddy") {
		t.Fatalf("a cap beyond the running server's max payload: %v", err)
	}
	if _, err := Open(Config{StoreDir: t.TempDir(), MaxValue: MaxMaxValue + 1}); err == nil {
		t.Fatal("a value cap over 64 MiB accepted")
	}
}

// TestStartFailure: a store directory the server cannot use is an error
// saying why, never an exit of the process.
func TestStartFailure(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "jetstream"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(Config{StoreDir: dir, Logger: zap.NewNop()})
	if err == nil || !strings.Contains(err.Error(), "did not start") || !strings.Contains(err.Error(), "JetStream") {
		t.Fatalf("a JetStream directory that is a file: %v", err)
	}
	if len(running) != 0 {
		t.Fatal("a failed server stays registered")
	}
	// The failed start let go of the directory's lock.
	if unlock, err := lockDir(dir); err != nil {
		t.Fatal(err)
	} else {
		unlock()
	}
}

// TestDirectoryLock: a directory another process's server holds (its lock
// taken through another open file, as another process would) is refused;
// once released, it opens.
func TestDirectoryLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(Config{StoreDir: dir, Logger: zap.NewNop()})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("a locked directory: %v", err)
	}
	unlock()
	openBus(t, Config{StoreDir: dir})
}

// external starts a NATS server listening on a random loopback port, as
// another process's server would be; maxPayload 0 is NATS's default.
func external(t *testing.T, maxPayload int32) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoSigs: true, NoLog: true, MaxPayload: maxPayload,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("external server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv
}

func TestExternalServer(t *testing.T) {
	ctx := context.Background()
	srv := external(t, 4<<20)
	b := openBus(t, Config{URL: srv.ClientURL()})
	kv := newKV(t, b, KVConfig{Prefix: "test_"})
	if _, err := kv.Set(ctx, "s", "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if v, _, err := kv.Get(ctx, "s", "k"); err != nil || string(v) != "v" {
		t.Fatalf("get: %q %v", v, err)
	}
	if b.shared.srv != nil {
		t.Fatal("an external server reported as embedded")
	}

	// NATS's default max payload (1 MiB) is too small for 1 MiB values.
	small := external(t, 0)
	_, err := Open(Config{URL: small.ClientURL()})
	if err == nil || !strings.Contains(err.Error(), "max payload") || !strings.Contains(err.Error(), "max_payload") {
		t.Fatalf("a server with a 1 MiB max payload: %v", err)
	}
	openBus(t, Config{URL: small.ClientURL(), MaxValue: 512 << 10})

	// Credentials are checked at start, and never shown.
	_, err = Open(Config{URL: "nats://user:s3cret@" + strings.TrimPrefix(srv.ClientURL(), "nats://"), CredsFile: filepath.Join(t.TempDir(), "none.creds")})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("a missing credentials file: %v", err)
	}

	// Once the client has seen the server go, calls fail at once. (A call
	// in flight when it went waits for callTimeout.)
	srv.Shutdown()
	srv.WaitForShutdown()
	for b.shared.nc.IsConnected() {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, err = kv.Set(tctx, "s", "k", []byte("v"), 0)
	wantErr(t, "a write while NATS is down", err, host.ErrUnavailable)
	_, _, err = kv.Get(tctx, "s", "k")
	wantErr(t, "a read while NATS is down", err, host.ErrUnavailable)
	if d := time.Since(start); d > callTimeout/2 {
		t.Fatalf("the calls took %v: they waited instead of failing", d)
	}
}

// TestExternalWithoutJetStream: a server without JetStream is refused at
// start.
func TestExternalWithoutJetStream(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true, MaxPayload: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer srv.Shutdown()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("not ready")
	}
	_, err = Open(Config{URL: srv.ClientURL()})
	if err == nil || !strings.Contains(err.Error(), "JetStream") {
		t.Fatalf("a server without JetStream: %v", err)
	}
	if len(running) != 0 {
		t.Fatal("a refused connection stays registered")
	}
}

// TestSyncSetting: the sync settings reach the embedded server's
// JetStream (whose default interval is 2 minutes).
func TestSyncSetting(t *testing.T) {
	for _, cfg := range []Config{{}, {SyncInterval: time.Second}, {SyncAlways: true}} {
		b := openBus(t, cfg)
		js := b.shared.srv.JetStreamConfig()
		want := cfg.SyncInterval
		if want == 0 {
			want = 2 * time.Minute
		}
		if js.SyncInterval != want || js.SyncAlways != cfg.SyncAlways {
			t.Errorf("configured %v/%v, the server runs with %v/%v", cfg.SyncInterval, cfg.SyncAlways, js.SyncInterval, js.SyncAlways)
		}
		b.Close()
	}
}
