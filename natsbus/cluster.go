package natsbus

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"go.uber.org/zap"
)

// MaxReplicas is JetStream's largest replica count.
const MaxReplicas = 5

// ClusterConfig makes the embedded server a node of a NATS cluster:
// nats-server's own routes and JetStream's Raft replication, nothing
// else. Every node of a cluster has the same Name, its own Node and
// store directory, and routes to the others.
type ClusterConfig struct {
	// Name is the cluster's name, the same on every node.
	Name string
	// Node is this node's name, unique in the cluster (the server name).
	Node string
	// Listen is this node's route address, host:port.
	Listen string
	// Routes are the other nodes' route addresses (nats://host:port or
	// host:port).
	Routes []string
	// Replicas is how many copies JetStream keeps of every store, queue
	// and stream Gojinn creates; 0 means min(3, nodes).
	Replicas int
	// User and Password authenticate the nodes to one another; required
	// unless every address is loopback.
	User, Password string
	// TLSCert, TLSKey and TLSCA are mutual TLS between the nodes (PEM
	// files); required when an address is not loopback.
	TLSCert, TLSKey, TLSCA string

	// await is how long Open waits for the cluster; 0 means
	// startTimeout (tests of nodes that never join shorten it).
	await time.Duration
}

// Nodes is how many nodes the config names: this one and its routes.
func (c *ClusterConfig) Nodes() int { return 1 + len(c.Routes) }

// replicas is the replica count to create stores with.
func (c *ClusterConfig) replicas() int {
	if c == nil {
		return 1
	}
	if c.Replicas > 0 {
		return c.Replicas
	}
	return min(3, c.Nodes())
}

// Validate checks the config: names, addresses, replicas, and that
// nothing crosses a network in clear or unauthenticated.
func (c *ClusterConfig) Validate() error {
	if c.Name == "" || strings.ContainsAny(c.Name, " \t.*>") {
		return fmt.Errorf("cluster name %q: want a name without spaces, '.', '*' or '>'", c.Name)
	}
	if c.Node == "" || strings.ContainsAny(c.Node, " \t.*>") {
		return fmt.Errorf("cluster node %q: want a name without spaces, '.', '*' or '>'", c.Node)
	}
	loopback, err := loopbackAddr(c.Listen)
	if err != nil {
		return fmt.Errorf("cluster listen: %w", err)
	}
	for _, r := range c.Routes {
		host, err := routeHostPort(r)
		if err != nil {
			return fmt.Errorf("cluster route %q: %w", r, err)
		}
		lb, _ := loopbackAddr(host)
		loopback = loopback && lb
	}
	switch {
	case len(c.Routes) == 0:
		return errors.New("cluster: no routes: a node needs at least one other node's address")
	case c.Replicas < 0 || c.Replicas > MaxReplicas:
		return fmt.Errorf("cluster replicas %d: want 1 to %d", c.Replicas, MaxReplicas)
	case c.Replicas > c.Nodes():
		return fmt.Errorf("cluster replicas %d: more than the %d nodes this node knows (itself and its routes)", c.Replicas, c.Nodes())
	case (c.User == "") != (c.Password == ""):
		return errors.New("cluster user and password go together")
	case !loopback && c.User == "":
		return errors.New("cluster: an address is not loopback: user and password are required")
	case !loopback && c.TLSCert == "":
		return errors.New("cluster: an address is not loopback: tls { cert key ca } is required (user and password alone would send every value and job in clear)")
	case (c.TLSCert == "") != (c.TLSKey == "") || (c.TLSCert == "") != (c.TLSCA == ""):
		return errors.New("cluster tls needs cert, key and ca")
	}
	return nil
}

// loopbackAddr parses host:port and tells whether host is loopback.
func loopbackAddr(hostport string) (bool, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return false, fmt.Errorf("%q: want host:port", hostport)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return false, fmt.Errorf("%q: port %q is not 1 to 65535", hostport, port)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// routeHostPort returns a route's host:port.
func routeHostPort(r string) (string, error) {
	if !strings.Contains(r, "://") {
		return r, nil
	}
	u, err := url.Parse(r)
	if err != nil || u.Scheme != "nats" || u.User != nil || u.Path != "" {
		return "", errors.New("want nats://host:port or host:port (credentials come from user and password)")
	}
	return u.Host, nil
}

// key says whether two configs set the server up the same way; the
// password enters only as a hash.
func (c *ClusterConfig) key() string {
	if c == nil {
		return ""
	}
	pw := sha256.Sum256([]byte(c.Password))
	return fmt.Sprintf("%s/%s %s routes=%q r=%d user=%q pw=%x tls=%s,%s,%s",
		c.Name, c.Node, c.Listen, c.Routes, c.Replicas, c.User, pw[:8], c.TLSCert, c.TLSKey, c.TLSCA)
}

// refuseStandaloneData refuses to make a cluster node of a store
// directory that holds a standalone server's streams: clustered
// JetStream does not adopt them, and would create the stores afresh,
// empty, beside them (tested: TestClusterRefusesStandaloneData). A
// clustered directory has JetStream's meta group under $SYS/_js_.
func refuseStandaloneData(dir string) error {
	streams, err := os.ReadDir(filepath.Join(dir, "jetstream", "$G", "streams"))
	if err != nil || len(streams) == 0 {
		return nil // nothing stored yet
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream", "$SYS", "_js_", "_meta_")); err == nil {
		return nil // a cluster node's own data
	}
	return fmt.Errorf("natsbus: %s holds the stores of a NATS server of its own (%d streams): as a cluster node it would start them afresh, empty; give the cluster node another data_dir and move the data over (docs/cluster.md)", dir, len(streams))
}

// applyCluster sets opts up for a node of c: its routes, and a client
// listener on 127.0.0.1 at a free port (routes need the server to
// listen: nats-server issue #5174) that accepts only Gojinn's own
// connection, authenticated by the nkey internalUser makes. It returns
// the option that connects that connection.
func applyCluster(opts *server.Options, c *ClusterConfig, auth nats.Option) (nats.Option, error) {
	host, portText, _ := net.SplitHostPort(c.Listen)
	port, _ := strconv.Atoi(portText)
	opts.ServerName = c.Node
	opts.DontListen = false
	opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	opts.Cluster = server.ClusterOpts{
		Name: c.Name, Host: host, Port: port,
		Username: c.User, Password: c.Password,
	}
	if c.TLSCert != "" {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: c.TLSCert, KeyFile: c.TLSKey, CaFile: c.TLSCA, Verify: true})
		if err != nil {
			return nil, fmt.Errorf("natsbus: cluster tls: %w", err)
		}
		// As nats-server's own cluster tls block: a node is a route's
		// client and server alike, so the CA verifies both sides.
		tc.ClientAuth, tc.RootCAs = tls.RequireAndVerifyClientCert, tc.ClientCAs
		opts.Cluster.TLSConfig, opts.Cluster.TLSTimeout = tc, 2
	}
	for _, r := range c.Routes {
		hostport, _ := routeHostPort(r)
		u := &url.URL{Scheme: "nats", Host: hostport}
		if c.User != "" {
			u.User = url.UserPassword(c.User, c.Password)
		}
		opts.Routes = append(opts.Routes, u)
	}
	if len(opts.Nkeys) > 0 { // MQTT made Gojinn's nkey already
		return auth, nil
	}
	return internalUser(opts)
}

// internalUser adds to opts an nkey user made for this server's life
// and returns the option that connects Gojinn's own client with it: no
// password of Gojinn's is in the server's options, and no other client
// can log in on its client listener.
func internalUser(opts *server.Options) (nats.Option, error) {
	internal, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("natsbus: an nkey for Gojinn's connection: %w", err)
	}
	pub, err := internal.PublicKey()
	if err != nil {
		return nil, err
	}
	opts.Nkeys = append(opts.Nkeys, &server.NkeyUser{Nkey: pub})
	return nats.Nkey(pub, internal.Sign), nil
}

// awaitCluster waits, up to startTimeout, until JetStream answers
// through the cluster (a meta leader is elected: a quorum of the nodes
// is up) and knows as many nodes as a store has replicas (a new store
// needs them). A node that waits longer starts anyway: its calls fail as
// unavailable until enough nodes are up.
func awaitCluster(srv *server.Server, js jetstream.JetStream, c *ClusterConfig, log *zap.Logger) {
	deadline := time.Now().Add(cmp.Or(c.await, startTimeout))
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			if size := clusterSize(srv); size < c.replicas() {
				err = fmt.Errorf("%d of the %d nodes the stores' replicas need are known", size, c.replicas())
			}
		}
		if err == nil {
			log.Info("joined the NATS cluster", zap.String("cluster", c.Name), zap.String("node", c.Node))
			return
		}
		if time.Now().After(deadline) {
			log.Warn("the NATS cluster is not ready: stores, queues and schedules are unavailable until enough nodes are up", zap.Error(err))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clusterSize is how many nodes JetStream's meta group knows, up or not.
func clusterSize(srv *server.Server) int {
	jsz, err := srv.Jsz(nil)
	if err != nil || jsz.Meta == nil {
		return 0
	}
	return jsz.Meta.Size
}
