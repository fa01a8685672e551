package natsbus

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// ClusterStatus is what a cluster node knows of its cluster, as
// nats-server's own monitoring tells it (Jsz, Routez) and JetStream's
// stream info.
type ClusterStatus struct {
	// Name is the cluster's name.
	Name string `json:"name"`
	// Node is this node's name.
	Node string `json:"node"`
	// MetaLeader is the node that leads JetStream's meta group (where
	// stores and queues are created); "" while none is elected.
	MetaLeader string `json:"meta_leader"`
	// Size is how many nodes JetStream's meta group knows, up or not.
	Size int `json:"size"`
	// Nodes are the meta group's nodes as this node sees them.
	Nodes []ClusterNode `json:"nodes"`
	// Routes are this node's route connections, one per other node.
	Routes []ClusterRoute `json:"routes"`
	// Stores are the streams (KV stores, queues, claims) with their
	// replicas.
	Stores []StoreStatus `json:"stores"`
}

// ClusterNode is one node of the meta group.
type ClusterNode struct {
	// Name is the node's name (its cluster node option).
	Name string `json:"name"`
	// Leader tells whether it leads the meta group.
	Leader bool `json:"leader,omitempty"`
	// Current: seen recently and caught up; Offline: not seen recently.
	Current bool `json:"current"`
	Offline bool `json:"offline,omitempty"`
	// Active is how long ago it was last heard from.
	Active time.Duration `json:"active_ns"`
}

// ClusterRoute is this node's route to another node (nats-server opens
// a small pool of connections per route; they are summed here).
type ClusterRoute struct {
	// Node is the other node's name.
	Node string `json:"node"`
	// Connections is how many route connections are up to it.
	Connections int `json:"connections"`
	// RTT is the last measured round trip.
	RTT string `json:"rtt,omitempty"`
}

// StoreStatus is one stream and its replicas.
type StoreStatus struct {
	// Name is the stream's name (KV_<bucket> for a store).
	Name string `json:"name"`
	// Replicas is how many copies JetStream keeps.
	Replicas int `json:"replicas"`
	// Leader is the node whose copy takes the writes; "" during an
	// election.
	Leader string `json:"leader"`
	// Followers are the other copies.
	Followers []StoreReplica `json:"followers"`
	// Messages is how many messages the stream holds.
	Messages uint64 `json:"messages"`
}

// StoreReplica is one follower copy of a stream.
type StoreReplica struct {
	// Node is the node that holds the copy.
	Node string `json:"node"`
	// Current: caught up with the leader; Offline: not heard from.
	Current bool `json:"current"`
	Offline bool `json:"offline,omitempty"`
	// Lag is how many operations it is behind the leader.
	Lag uint64 `json:"lag"`
}

// ErrNotClustered is ClusterStatus's error on a bus that is no cluster
// node.
var ErrNotClustered = errors.New("natsbus: the embedded NATS server is not a cluster node")

// ClusterStatus returns the cluster as this node sees it.
func (b *Bus) ClusterStatus(ctx context.Context) (*ClusterStatus, error) {
	srv := b.shared.srv
	if srv == nil || b.shared.cluster == "" {
		return nil, ErrNotClustered
	}
	st := &ClusterStatus{Name: srv.ClusterName(), Node: srv.Name(), Nodes: []ClusterNode{}, Routes: []ClusterRoute{}, Stores: []StoreStatus{}}
	if jsz, err := srv.Jsz(nil); err == nil && jsz.Meta != nil {
		st.MetaLeader, st.Size = jsz.Meta.Leader, jsz.Meta.Size
		if st.MetaLeader != "" {
			st.Nodes = append(st.Nodes, ClusterNode{Name: st.MetaLeader, Leader: true, Current: true})
		}
		for _, p := range jsz.Meta.Replicas {
			st.Nodes = append(st.Nodes, ClusterNode{Name: p.Name, Current: p.Current, Offline: p.Offline, Active: p.Active})
		}
	}
	if rz, err := srv.Routez(&server.RoutezOptions{}); err == nil {
		for _, r := range rz.Routes {
			i := slices.IndexFunc(st.Routes, func(c ClusterRoute) bool { return c.Node == r.RemoteName })
			if i < 0 {
				st.Routes = append(st.Routes, ClusterRoute{Node: r.RemoteName})
				i = len(st.Routes) - 1
			}
			st.Routes[i].Connections++
			if r.RTT != "" {
				st.Routes[i].RTT = r.RTT
			}
		}
	}
	streams := b.shared.js.ListStreams(ctx)
	for info := range streams.Info() {
		s := StoreStatus{Name: info.Config.Name, Replicas: info.Config.Replicas, Messages: info.State.Msgs, Followers: []StoreReplica{}}
		if info.Cluster != nil {
			s.Leader = info.Cluster.Leader
			for _, p := range info.Cluster.Replicas {
				s.Followers = append(s.Followers, StoreReplica{Node: p.Name, Current: p.Current, Offline: p.Offline, Lag: p.Lag})
			}
		}
		st.Stores = append(st.Stores, s)
	}
	if err := streams.Err(); err != nil && !errors.Is(err, jetstream.ErrEndOfData) {
		return st, mapErr(err)
	}
	return st, nil
}
