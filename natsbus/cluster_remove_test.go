package natsbus

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/gojinn/gojinn/host"
)

// TestClusterRemoveNode: a node that is still up is not removed; once
// stopped, it is removed through the system account: the meta group and
// a replicated store no longer list it, and the store takes writes.
func TestClusterRemoveNode(t *testing.T) {
	ctx := context.Background()
	buses := openCluster(t, clusterConfigs(t, 3))
	kv := newKV(t, buses[0], KVConfig{})
	if _, err := kv.Set(ctx, "s", "k", []byte("before"), 0); err != nil {
		t.Fatal(err)
	}
	if err := buses[0].RemoveNode(ctx, "n3"); !errors.Is(err, ErrNodeAlive) {
		t.Fatalf("removing a node that is up: %v, want ErrNodeAlive", err)
	}
	if err := buses[0].RemoveNode(ctx, "n1"); !errors.Is(err, ErrNodeAlive) {
		t.Fatalf("a node removing itself: %v, want ErrNodeAlive", err)
	}
	if err := buses[0].RemoveNode(ctx, "n9"); !errors.Is(err, ErrUnknownNode) {
		t.Fatalf("removing an unknown node: %v, want ErrUnknownNode", err)
	}

	buses[2].Close()
	var err error
	waitFor(t, "n3 removed", func() bool {
		// While n3's route closes, or the meta group elects a leader
		// in n3's place, the removal is refused or unanswered.
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		err = buses[0].RemoveNode(rctx, "n3")
		if err != nil && !errors.Is(err, ErrNodeAlive) && !errors.Is(err, host.ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("removing the stopped n3: %v", err)
		}
		return err == nil
	})
	waitFor(t, "the meta group without n3", func() bool {
		jsz, err := buses[1].shared.srv.Jsz(nil)
		if err != nil || jsz.Meta == nil || jsz.Meta.Leader == "" || jsz.Meta.Leader == "n3" {
			return false
		}
		return jsz.Meta.Size == 2 && !slices.ContainsFunc(jsz.Meta.Replicas, func(p *server.PeerInfo) bool { return p.Name == "n3" })
	})
	waitFor(t, "the store without n3", func() bool {
		st, err := buses[1].ClusterStatus(ctx)
		if err != nil {
			return false
		}
		i := slices.IndexFunc(st.Stores, func(s StoreStatus) bool { return s.Name == "KV_gojinn_s" })
		return i >= 0 && st.Stores[i].Leader != "" && st.Stores[i].Leader != "n3" &&
			!slices.ContainsFunc(st.Stores[i].Followers, func(f StoreReplica) bool { return f.Node == "n3" })
	})
	// The system account's user came with a reload of the server's
	// options: the client listener still refuses anonymous clients.
	addr := buses[0].shared.srv.Addr().String()
	if nc, err := nats.Connect("nats://"+addr, nats.Timeout(5*time.Second)); err == nil {
		nc.Close()
		t.Fatal("an anonymous client connected to the node's client listener after the removal")
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := kv.Set(wctx, "s", "k", []byte("after"), 0); err != nil {
		t.Fatalf("a write after the removal: %v", err)
	}
	if v, _, err := newKV(t, buses[1], KVConfig{}).Get(wctx, "s", "k"); err != nil || string(v) != "after" {
		t.Fatalf("read on n2 after the removal: %q %v", v, err)
	}
}
