package natsbus

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/gojinn/gojinn/host"
)

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// clusterConfigs returns the configs of n loopback nodes of one cluster.
func clusterConfigs(t testing.TB, n int) []Config {
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = freeAddr(t)
	}
	cfgs := make([]Config, n)
	for i := range cfgs {
		var routes []string
		for j, a := range addrs {
			if j != i {
				routes = append(routes, "nats://"+a)
			}
		}
		cfgs[i] = Config{StoreDir: t.TempDir(), Logger: zaptest.NewLogger(t), Cluster: &ClusterConfig{
			Name: "test", Node: "n" + strconv.Itoa(i+1), Listen: addrs[i], Routes: routes,
			User: "gojinn", Password: "secret",
		}}
	}
	return cfgs
}

// openCluster opens the nodes at once: each waits for the others' quorum.
func openCluster(t testing.TB, cfgs []Config) []*Bus {
	t.Helper()
	buses := make([]*Bus, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Go(func() { buses[i], errs[i] = Open(cfg) })
	}
	wg.Wait()
	for i, b := range buses {
		if b != nil {
			t.Cleanup(b.Close)
		}
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
	}
	return buses
}

// TestClusterSharesStores: three embedded servers form a cluster; a
// store is created with three replicas, a write on one node is read at
// once on the others (leader reads), and increments through all three
// nodes lose none.
func TestClusterSharesStores(t *testing.T) {
	ctx := context.Background()
	buses := openCluster(t, clusterConfigs(t, 3))
	kvs := make([]*KV, len(buses))
	for i, b := range buses {
		if b.shared.replicas != 3 {
			t.Fatalf("node %d: replicas %d, want 3 (min(3, nodes))", i, b.shared.replicas)
		}
		kvs[i] = newKV(t, b, KVConfig{})
	}
	for i := range 20 {
		v := []byte("v" + strconv.Itoa(i))
		if _, err := kvs[i%3].Set(ctx, "s", "k", v, 0); err != nil {
			t.Fatal(err)
		}
		for j, kv := range kvs {
			if got, _, err := kv.Get(ctx, "s", "k"); err != nil || string(got) != string(v) {
				t.Fatalf("write %d on node %d, read on node %d: %q %v", i, i%3+1, j+1, got, err)
			}
		}
	}
	info, err := buses[0].shared.js.Stream(ctx, "KV_gojinn_s")
	if err != nil {
		t.Fatal(err)
	}
	if r := info.CachedInfo().Config.Replicas; r != 3 {
		t.Fatalf("the store's stream has %d replicas, want 3", r)
	}
	var wg sync.WaitGroup
	for i := range 150 {
		wg.Go(func() {
			if _, err := kvs[i%3].Increment(ctx, "s", "n", 1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if v, _, err := kvs[1].Get(ctx, "s", "n"); err != nil || string(v) != "150" {
		t.Fatalf("after 150 increments through three nodes: %q %v", v, err)
	}
	if err := kvs[2].Delete(ctx, "s", "k"); err != nil {
		t.Fatal(err)
	}
	_, _, err = kvs[0].Get(ctx, "s", "k")
	wantErr(t, "a key deleted on another node", err, host.ErrNotFound)

	st, err := buses[1].ClusterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Name != "test" || st.Node != "n2" || st.Size != 3 || st.MetaLeader == "" || len(st.Nodes) != 3 || len(st.Routes) != 2 {
		t.Fatalf("cluster status: %+v", st)
	}
	i := slices.IndexFunc(st.Stores, func(s StoreStatus) bool { return s.Name == "KV_gojinn_s" })
	if i < 0 || st.Stores[i].Replicas != 3 || st.Stores[i].Leader == "" || len(st.Stores[i].Followers) != 2 {
		t.Fatalf("the store in the cluster status: %+v", st.Stores)
	}
	if _, err := openBus(t, Config{}).ClusterStatus(ctx); !errors.Is(err, ErrNotClustered) {
		t.Fatalf("the status of a server of its own: %v", err)
	}
}

// TestClusterQueueSharedByEveryNode: every node opens the same queue at
// once, as every node's Caddy does at start (nats-server leaves such
// concurrent creates unanswered: ensure asks again), and the nodes'
// workers share its one durable consumer: each job runs once.
func TestClusterQueueSharedByEveryNode(t *testing.T) {
	buses := openCluster(t, clusterConfigs(t, 3))
	queues := make([]*Queue, len(buses))
	var wg sync.WaitGroup
	for i, b := range buses {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			q, err := OpenQueue(ctx, b, QueueConfig{Name: "jobs"})
			if err != nil {
				t.Errorf("node %d opening the queue: %v", i+1, err)
			}
			queues[i] = q
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var mu sync.Mutex
	runs := map[string]int{}
	for _, q := range queues {
		consume(t, q, 2, func(_ context.Context, job *Job) Outcome {
			mu.Lock()
			runs[string(job.Body)]++
			mu.Unlock()
			return Outcome{OK: true}
		}, Events{})
	}
	const jobs = 60
	for i := range jobs {
		if _, err := queues[i%3].Enqueue(context.Background(), &Job{Method: "POST", URI: "/", Body: []byte(strconv.Itoa(i))}, ""); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every job run", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(runs) == jobs
	})
	time.Sleep(200 * time.Millisecond) // a second run, if any, would come now
	mu.Lock()
	defer mu.Unlock()
	for body, n := range runs {
		if n != 1 {
			t.Errorf("job %s ran %d times", body, n)
		}
	}
}

// TestClusterReplicasRaised: a store created with one replica is moved
// to three when the nodes restart with replicas 3 (each store is
// created-or-updated with the configured count; JetStream supports a
// stream update of its replicas), its data kept.
func TestClusterReplicasRaised(t *testing.T) {
	ctx := context.Background()
	cfgs := clusterConfigs(t, 3)
	for i := range cfgs {
		cfgs[i].Cluster.Replicas = 1
	}
	buses := openCluster(t, cfgs)
	if _, err := newKV(t, buses[0], KVConfig{}).Set(ctx, "s", "k", []byte("kept"), 0); err != nil {
		t.Fatal(err)
	}
	for _, b := range buses {
		b.Close()
	}
	for i := range cfgs {
		cfgs[i].Cluster.Replicas = 3
	}
	buses = openCluster(t, cfgs)
	if v, _, err := newKV(t, buses[1], KVConfig{}).Get(ctx, "s", "k"); err != nil || string(v) != "kept" {
		t.Fatalf("after the restart with three replicas: %q %v", v, err)
	}
	info, err := buses[2].shared.js.Stream(ctx, "KV_gojinn_s")
	if err != nil {
		t.Fatal(err)
	}
	if r := info.CachedInfo().Config.Replicas; r != 3 {
		t.Fatalf("the store has %d replicas after the restart, want 3", r)
	}
}

// TestClusterRefusesStandaloneData: a store directory with a standalone
// server's stores does not become a cluster node's (clustered JetStream
// would start those stores afresh, empty); the data stays usable.
func TestClusterRefusesStandaloneData(t *testing.T) {
	ctx := context.Background()
	cfg := clusterConfigs(t, 2)[0]
	solo := cfg
	solo.Cluster = nil
	b := openBus(t, solo)
	if _, err := newKV(t, b, KVConfig{}).Set(ctx, "s", "k", []byte("kept"), 0); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if b, err := Open(cfg); err == nil || !strings.Contains(err.Error(), "holds the stores of a NATS server of its own") {
		if b != nil {
			b.Close()
		}
		t.Fatalf("a cluster node on a standalone server's data: %v", err)
	}
	if v, _, err := newKV(t, openBus(t, solo), KVConfig{}).Get(ctx, "s", "k"); err != nil || string(v) != "kept" {
		t.Fatalf("the standalone data afterwards: %q %v", v, err)
	}
}

// TestClusterClaimsOnce: of three nodes claiming the same events at
// once, exactly one wins each.
func TestClusterClaimsOnce(t *testing.T) {
	ctx := context.Background()
	buses := openCluster(t, clusterConfigs(t, 3))
	claims := make([]*Claims, len(buses))
	for i, b := range buses {
		c, err := OpenClaims(ctx, b, "")
		if err != nil {
			t.Fatal(err)
		}
		claims[i] = c
	}
	for tick := range 20 {
		var mu sync.Mutex
		won := 0
		var wg sync.WaitGroup
		for i, c := range claims {
			wg.Go(func() {
				ok, err := c.Claim(ctx, "nightly."+strconv.Itoa(tick), "n"+strconv.Itoa(i))
				if again, _ := c.Claim(ctx, "nightly."+strconv.Itoa(tick), "n"+strconv.Itoa(i)); again != ok {
					t.Errorf("node %d's claim of tick %d asked again: %t, first %t", i+1, tick, again, ok)
				}
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("tick %d claimed by %d nodes, want 1", tick, won)
		}
	}
}

// TestClusterClientListener: the client port a cluster node must open
// listens on loopback only and refuses every client but Gojinn's own.
func TestClusterClientListener(t *testing.T) {
	cfgs := clusterConfigs(t, 2)
	cfgs[0].Cluster.Replicas, cfgs[1].Cluster.Replicas = 1, 1
	b := openCluster(t, cfgs)[0]
	addr := b.shared.srv.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() || addr.Port == 4222 {
		t.Fatalf("client listener on %v, want loopback and a random port", addr)
	}
	for _, opt := range []nats.Option{nats.Name("anonymous"), nats.UserInfo("gojinn", "secret")} {
		nc, err := nats.Connect("nats://"+addr.String(), opt, nats.Timeout(5*time.Second))
		if err == nil {
			nc.Close()
			t.Fatal("a client without Gojinn's nkey connected to the node's client listener")
		}
		if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(err.Error(), "uthorization") {
			t.Fatalf("connecting without the nkey: %v, want an authorization error", err)
		}
	}
}

// TestClusterConfigValidate: what Validate refuses.
func TestClusterConfigValidate(t *testing.T) {
	ok := ClusterConfig{Name: "c", Node: "n1", Listen: "127.0.0.1:6222", Routes: []string{"nats://127.0.0.1:6223", "127.0.0.1:6224"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a loopback cluster without auth: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(c *ClusterConfig)
		want   string
	}{
		{"no routes", func(c *ClusterConfig) { c.Routes = nil }, "no routes"},
		{"no name", func(c *ClusterConfig) { c.Name = "" }, "cluster name"},
		{"node with a dot", func(c *ClusterConfig) { c.Node = "a.b" }, "cluster node"},
		{"listen without port", func(c *ClusterConfig) { c.Listen = "127.0.0.1" }, "want host:port"},
		{"bad route", func(c *ClusterConfig) { c.Routes = []string{"nats://u:p@127.0.0.1:1"} }, "credentials come from user"},
		{"replicas 6", func(c *ClusterConfig) { c.Replicas = 6 }, "want 1 to 5"},
		{"replicas over nodes", func(c *ClusterConfig) { c.Replicas = 4 }, "more than the 3 nodes"},
		{"user without password", func(c *ClusterConfig) { c.User = "u" }, "go together"},
		{"non-loopback without auth", func(c *ClusterConfig) { c.Listen = "10.0.0.1:6222" }, "user and password are required"},
		{"non-loopback route without tls", func(c *ClusterConfig) {
			c.Routes = []string{"nats://10.0.0.2:6222"}
			c.User, c.Password = "u", "p"
		}, "tls { cert key ca } is required"},
		{"tls without ca", func(c *ClusterConfig) { c.TLSCert, c.TLSKey = "c.pem", "k.pem" }, "needs cert, key and ca"},
	} {
		c := ok
		tc.change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
