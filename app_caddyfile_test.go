package gojinn_test

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// TestGlobalOptionErrors: a bad gojinn global option block fails at adapt
// time, naming the file, the line and the problem.
func TestGlobalOptionErrors(t *testing.T) {
	cases := []struct{ block, want string }{
		{"gojinn {\n\t\tnope 1\n\t}", `unknown gojinn global option "nope"`},
		{"gojinn {\n\t\tdata_dir /a\n\t\tdata_dir /b\n\t}", "data_dir is given twice"},
		{"gojinn {\n\t}\n\tgojinn {\n\t}", "the gojinn global option block is given twice"},
		{"gojinn /a", `unexpected argument "/a"`},
		{"gojinn {\n\t\tnats_url\n\t}", "nats_url takes exactly one argument"},
		{"gojinn {\n\t\tnats_creds a b\n\t}", "nats_creds takes exactly one argument"},
		{"gojinn {\n\t\tnats_prefix\n\t}", "nats_prefix takes exactly one argument"},
		{"gojinn {\n\t\tkv_max_value lots\n\t}", `kv_max_value: "lots" is not a valid size`},
		{"gojinn {\n\t\tkv_max_value 0\n\t}", "kv_max_value must be greater than 0"},
		{"gojinn {\n\t\tkv_max_bytes -1GiB\n\t}", "kv_max_bytes must be greater than 0"},
		{"gojinn {\n\t\tsync_interval sometimes\n\t}", `sync_interval: "sometimes" is not always or a duration`},
		{"gojinn {\n\t\tsync_interval 0s\n\t}", `sync_interval: "0s" is not always or a duration greater than 0`},
		{"gojinn {\n\t\tdata_dir /a {\n\t\t\tx\n\t\t}\n\t}", "data_dir takes no block"},
	}
	for _, tc := range cases {
		cfg := "{\n\t" + tc.block + "\n}\n:8080 {\n\trespond ok\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/etc/caddy/Caddyfile:") {
			t.Errorf("%q: err = %v, want one naming /etc/caddy/Caddyfile:<line> and %q", tc.block, err, tc.want)
		}
	}
}
