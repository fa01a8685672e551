package metrics

import "github.com/prometheus/client_golang/prometheus"

// ClusterSample is a cluster node's state at a scrape.
type ClusterSample struct {
	// Size is how many nodes JetStream's meta group knows, up or not.
	Size int
	// Routes are the other nodes by name, and whether a route to each is up.
	Routes map[string]bool
	// Lags are the follower copies' lags, in operations behind their
	// stream's leader.
	Lags []ReplicaLag
}

// ReplicaLag is one follower copy's lag.
type ReplicaLag struct {
	// Store is the stream's name; Node the node holding the copy.
	Store, Node string
	// Lag is how many operations the copy is behind.
	Lag uint64
}

// clusterCollector reads the cluster's state at each scrape, so nothing
// runs between scrapes.
type clusterCollector struct {
	sample           func() *ClusterSample
	size, route, lag *prometheus.Desc
}

var (
	clusterSizeDesc = prometheus.NewDesc(namespace+"_cluster_nodes",
		"Nodes JetStream's meta group knows, up or not (the cluster block).", nil, nil)
	clusterRouteDesc = prometheus.NewDesc(namespace+"_cluster_route_up",
		"Whether this node's route to another cluster node is up (1) or not (0).", []string{"node"}, nil)
	clusterLagDesc = prometheus.NewDesc(namespace+"_cluster_replica_lag",
		"Operations a follower copy of a stream (store, queue) is behind its leader.", []string{"store", "node"}, nil)
)

// RegisterCluster registers on reg the cluster metrics, read from sample
// at each scrape; sample returns nil while the node has no NATS yet. A
// nil reg registers nothing.
func RegisterCluster(reg prometheus.Registerer, sample func() *ClusterSample) error {
	if isNilRegisterer(reg) {
		return nil
	}
	_, err := register(reg, &clusterCollector{sample: sample, size: clusterSizeDesc, route: clusterRouteDesc, lag: clusterLagDesc})
	return err
}

// Describe implements prometheus.Collector.
func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.size
	ch <- c.route
	ch <- c.lag
}

// Collect implements prometheus.Collector.
func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.sample()
	if s == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(s.Size))
	for node, up := range s.Routes {
		v := 0.0
		if up {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.route, prometheus.GaugeValue, v, node)
	}
	for _, l := range s.Lags {
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(l.Lag), l.Store, l.Node)
	}
}
