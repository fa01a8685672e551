package gojinn

import (
	"fmt"
	"os"
	"strings"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn/metrics"
	"github.com/gojinn/gojinn/natsbus"
)

// Cluster makes the embedded NATS server a node of a NATS cluster, so
// that several Caddy nodes share their key-value stores, queues and
// schedules through JetStream's replication (docs/cluster.md). Every
// node has the same Name, its own Node and data_dir, and routes to the
// others. It excludes nats_url.
type Cluster struct {
	// Name is the cluster's name, the same on every node.
	Name string `json:"name"`

	// Node is this node's name, unique in the cluster. Default: the
	// host name, its dots written as '-'.
	Node string `json:"node,omitempty"`

	// Listen is this node's route address, host:port, which the other
	// nodes' routes name.
	Listen string `json:"listen"`

	// Routes are the other nodes' route addresses, nats://host:port.
	Routes []string `json:"routes,omitempty"`

	// Replicas is how many copies JetStream keeps of every store, queue
	// and schedule claim: 1 to 5, at most the nodes named (this one and
	// its routes). Default: min(3, nodes).
	Replicas int `json:"replicas,omitempty"`

	// User and Password authenticate the nodes to one another; required
	// unless every address is loopback. Write the password as a
	// placeholder ({env.GOJINN_CLUSTER_PASSWORD}).
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`

	// TLS is mutual TLS between the nodes; required unless every address
	// is loopback.
	TLS *ClusterTLS `json:"tls,omitempty"`
}

// ClusterTLS is mutual TLS between the cluster's nodes: each presents
// Cert and accepts only peers whose certificate CA signed.
type ClusterTLS struct {
	// Cert is this node's certificate (PEM file).
	Cert string `json:"cert"`
	// Key is Cert's private key (PEM file).
	Key string `json:"key"`
	// CA is the certificate authority (PEM file) of the nodes' certificates.
	CA string `json:"ca"`
}

// clusterWithNatsURL is the error of a config with both.
const clusterWithNatsURL = "cluster and nats_url exclude each other: cluster makes the embedded NATS server a cluster node, nats_url uses an external NATS instead"

// config is the cluster's natsbus config, placeholders resolved by repl
// (nil: as written).
func (c *Cluster) config(repl *caddy.Replacer) *natsbus.ClusterConfig {
	get := func(v string) string {
		if repl == nil {
			return v
		}
		return repl.ReplaceKnown(v, "")
	}
	cfg := &natsbus.ClusterConfig{
		Name: get(c.Name), Node: get(c.Node), Listen: get(c.Listen), Replicas: c.Replicas,
		User: get(c.User), Password: get(c.Password),
	}
	for _, r := range c.Routes {
		cfg.Routes = append(cfg.Routes, get(r))
	}
	if c.TLS != nil {
		cfg.TLSCert, cfg.TLSKey, cfg.TLSCA = get(c.TLS.Cert), get(c.TLS.Key), get(c.TLS.CA)
	}
	return cfg
}

// provisionCluster resolves and checks the cluster block into the bus
// config and registers the cluster metrics; nothing starts here.
func (a *App) provisionCluster(ctx caddy.Context, repl *caddy.Replacer) error {
	if a.Cluster == nil {
		return nil
	}
	if a.bus.URL != "" {
		return fmt.Errorf("gojinn: %s", clusterWithNatsURL)
	}
	cfg := a.Cluster.config(repl)
	if cfg.Node == "" {
		host, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("gojinn: cluster: no node name and no host name: %w", err)
		}
		cfg.Node = strings.ReplaceAll(host, ".", "-")
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("gojinn: %w", err)
	}
	a.bus.Cluster = cfg
	if err := metrics.RegisterCluster(ctx.GetMetricsRegistry(), a.clusterSample); err != nil {
		return fmt.Errorf("gojinn: cluster: registering metrics: %w", err)
	}
	return nil
}
