// Command caddy is Caddy with the gojinn module built in: the same binary
// `xcaddy build --with github.com/gojinn/gojinn` produces, buildable with
// plain `go build` where xcaddy cannot be installed.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	// Caddy's standard modules, as in the official build.
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/gojinn/gojinn"
)

func main() {
	caddycmd.Main()
}
