package gojinn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func init() {
	globalOptions["cluster"] = parseClusterOption
}

// parseClusterOption reads the cluster block (docs/cluster.md):
//
//	cluster {
//	    name     <name>
//	    node     <name>
//	    listen   <host:port>
//	    routes   <nats://host:port>...
//	    replicas <n>
//	    user     <name>
//	    password <password>
//	    tls {
//	        cert <file>
//	        key  <file>
//	        ca   <file>
//	    }
//	}
//
// The block is checked as a whole where it is written (an address that
// is not loopback without tls, replicas beyond the nodes...), unless its
// addresses are placeholders: then when the config loads.
func parseClusterOption(d *caddyfile.Dispenser, app *App) error {
	seg := d.NewFromNextSegment()
	seg.Next() // cluster
	file, line := seg.File(), seg.Line()
	if app.Cluster != nil {
		return seg.Err("cluster is given twice")
	}
	if app.NatsURL != "" {
		return seg.Err(clusterWithNatsURL)
	}
	if seg.NextArg() {
		return seg.Errf("cluster takes only a block, got %q", seg.Val())
	}
	c := new(Cluster)
	given := map[string]bool{}
	for seg.NextBlock(0) {
		option := seg.Val()
		if given[option] {
			return seg.Errf("cluster: %s is given twice", option)
		}
		given[option] = true
		var err error
		switch option {
		case "name":
			c.Name, err = oneArg(seg)
		case "node":
			c.Node, err = oneArg(seg)
		case "listen":
			c.Listen, err = oneArg(seg)
		case "routes":
			if c.Routes = seg.RemainingArgs(); len(c.Routes) == 0 {
				err = seg.Err("cluster: routes takes one or more addresses (nats://host:port)")
			}
		case "replicas":
			err = parseReplicas(seg, c)
		case "user":
			c.User, err = oneArg(seg)
		case "password":
			c.Password, err = oneArg(seg)
		case "tls":
			c.TLS, err = parseClusterTLS(seg)
		default:
			err = seg.Errf("cluster: unknown option %q", option)
		}
		if err != nil {
			return err
		}
		if option != "tls" && seg.NextBlock(1) {
			return seg.Errf("cluster: %s takes no block", option)
		}
	}
	if err := checkCluster(c); err != nil {
		// Named at the block's first line, as Caddy names a token's.
		return fmt.Errorf("%w, at %s:%d", err, file, line)
	}
	app.Cluster = c
	return nil
}

// parseReplicas reads replicas' count.
func parseReplicas(d *caddyfile.Dispenser, c *Cluster) error {
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	if c.Replicas, err = strconv.Atoi(v); err != nil || c.Replicas < 1 {
		return d.Errf("cluster: replicas %q is not a whole number from 1 to 5", v)
	}
	return nil
}

// parseClusterTLS reads tls { cert key ca }.
func parseClusterTLS(d *caddyfile.Dispenser) (*ClusterTLS, error) {
	if d.NextArg() {
		return nil, d.Errf("cluster: tls takes a block (cert, key, ca), got %q", d.Val())
	}
	t := new(ClusterTLS)
	for d.NextBlock(1) {
		option := d.Val()
		var p *string
		switch option {
		case "cert":
			p = &t.Cert
		case "key":
			p = &t.Key
		case "ca":
			p = &t.CA
		default:
			return nil, d.Errf("cluster tls: unknown option %q (cert, key, ca)", option)
		}
		if *p != "" {
			return nil, d.Errf("cluster tls: %s is given twice", option)
		}
		v, err := oneArg(d)
		if err != nil {
			return nil, err
		}
		*p = v
	}
	if t.Cert == "" || t.Key == "" || t.CA == "" {
		return nil, d.Err("cluster tls needs cert, key and ca")
	}
	return t, nil
}

// checkCluster checks the block as written, unless a name or address is
// a placeholder (the load checks it then). The node name may be left to
// the host name.
func checkCluster(c *Cluster) error {
	cfg := c.config(nil)
	for _, v := range append([]string{cfg.Name, cfg.Node, cfg.Listen}, cfg.Routes...) {
		if strings.Contains(v, "{") {
			return nil
		}
	}
	if cfg.Node == "" {
		cfg.Node = "host"
	}
	return cfg.Validate()
}
