package gojinn_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn"
)

// provision provisions app as Caddy would.
func provision(t *testing.T, app *gojinn.App) error {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	err := app.Provision(ctx)
	t.Cleanup(func() { _ = app.Cleanup() })
	return err
}

// TestAppStartsNATSOnDemand: provisioning starts nothing; the first KV
// call starts the embedded server on data_dir (placeholders resolved),
// and Cleanup lets it go.
func TestAppStartsNATSOnDemand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOJINN_TEST_DATA", dir)
	app := &gojinn.App{DataDir: "{env.GOJINN_TEST_DATA}", SyncInterval: "1s"}
	if err := provision(t, app); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream")); !os.IsNotExist(err) {
		t.Fatalf("provisioning created the JetStream store (%v)", err)
	}
	kv, err := app.KV()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := app.KV(); again != kv {
		t.Fatal("a second KV call made other stores")
	}
	if _, err := kv.Set(context.Background(), "s", "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream")); err != nil {
		t.Fatalf("no JetStream store in data_dir after a write: %v", err)
	}
	if err := app.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Set(context.Background(), "s", "k", []byte("v"), 0); err == nil {
		t.Fatal("the stores still answer after the only config let go of them")
	}
}

// TestAppSettingErrors: settings that cannot work fail the load.
func TestAppSettingErrors(t *testing.T) {
	cases := []struct {
		app  *gojinn.App
		want string
	}{
		{&gojinn.App{NatsURL: "nats://127.0.0.1:1", SyncInterval: "always"}, "sync_interval applies to the embedded NATS server"},
		{&gojinn.App{NatsCreds: "/x.creds"}, "nats_creds is for nats_url"},
		{&gojinn.App{NatsPrefix: "a.b"}, `bucket prefix "a.b"`},
		{&gojinn.App{KVMaxValue: 65 << 20}, "kv_max_value 68157440 is not within"},
		{&gojinn.App{KVMaxBytes: -1}, "store size cap -1 is negative"},
		{&gojinn.App{SyncInterval: "{env.GOJINN_TEST_UNSET}x"}, `sync_interval "x"`},
	}
	for i, tc := range cases {
		if err := provision(t, tc.app); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: %v, want %q", i, err, tc.want)
		}
	}
	// An unreachable nats_url fails at the first KV call, which is the
	// granting handler's Provision, hence the load.
	app := &gojinn.App{NatsURL: "nats://127.0.0.1:1"}
	if err := provision(t, app); err != nil {
		t.Fatal(err)
	}
	if _, err := app.KV(); err == nil || !strings.Contains(err.Error(), "connecting to nats://127.0.0.1:1") {
		t.Fatalf("an unreachable nats_url: %v", err)
	}
}
