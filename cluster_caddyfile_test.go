package gojinn_test

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// TestClusterOptionErrors: a bad cluster block fails at adapt time,
// naming the file, the block's line and the problem.
func TestClusterOptionErrors(t *testing.T) {
	const loop = "name c\n\t\t\tlisten 127.0.0.1:6222\n\t\t\troutes nats://127.0.0.1:6223\n\t\t\t"
	cases := []struct{ block, want, line string }{
		{"cluster {\n\t\t\t" + loop + "\n\t\t}\n\t\tnats_url nats://x:4222", "cluster and nats_url exclude each other", ":9"},
		{"nats_url nats://x:4222\n\t\tcluster {\n\t\t\t" + loop + "\n\t\t}", "cluster and nats_url exclude each other", ":4"},
		{"cluster {\n\t\t\tname c\n\t\t\tlisten 10.0.0.1:6222\n\t\t\troutes nats://10.0.0.2:6222\n\t\t\tuser u\n\t\t\tpassword p\n\t\t}", "tls { cert key ca } is required", ":3"},
		{"cluster {\n\t\t\tname c\n\t\t\tlisten 10.0.0.1:6222\n\t\t\troutes nats://10.0.0.2:6222\n\t\t}", "user and password are required", ":3"},
		{"cluster {\n\t\t\t" + loop + "replicas 3\n\t\t}", "more than the 2 nodes", ":3"},
		{"cluster {\n\t\t\t" + loop + "replicas 0\n\t\t}", `replicas "0" is not a whole number from 1 to 5`, ":7"},
		{"cluster {\n\t\t\t" + loop + "replicas 6\n\t\t}", "want 1 to 5", ":3"},
		{"cluster {\n\t\t\t" + loop + "user u\n\t\t}", "user and password go together", ":3"},
		{"cluster {\n\t\t\tname c\n\t\t\tlisten 127.0.0.1\n\t\t\troutes nats://127.0.0.1:6223\n\t\t}", "want host:port", ":3"},
		{"cluster {\n\t\t\tname c\n\t\t\tlisten 127.0.0.1:6222\n\t\t}", "no routes", ":3"},
		{"cluster {\n\t\t\t" + loop + "routes nats://127.0.0.1:1\n\t\t}", "routes is given twice", ":7"},
		{"cluster {\n\t\t\t" + loop + "tls {\n\t\t\t\tcert a\n\t\t\t}\n\t\t}", "cluster tls needs cert, key and ca", ":9"},
		{"cluster {\n\t\t\t" + loop + "tls {\n\t\t\t\tpin a\n\t\t\t}\n\t\t}", `cluster tls: unknown option "pin"`, ":8"},
		{"cluster {\n\t\t\t" + loop + "gossip on\n\t\t}", `cluster: unknown option "gossip"`, ":7"},
		{"cluster {\n\t\t\t" + loop + "\n\t\t}\n\t\tcluster {\n\t\t\t" + loop + "\n\t\t}", "cluster is given twice", ":9"},
		{"cluster prod", `cluster takes only a block, got "prod"`, ":3"},
	}
	for _, tc := range cases {
		cfg := "{\n\tgojinn {\n\t\t" + tc.block + "\n\t}\n}\n:8080 {\n\trespond ok\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/etc/caddy/Caddyfile"+tc.line) {
			t.Errorf("%q: err = %v, want one naming /etc/caddy/Caddyfile%s and %q", tc.block, err, tc.line, tc.want)
		}
	}
}
