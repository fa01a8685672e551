package gojinn

import (
	"context"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn/sandbox"
)

// compiledModules shares compiled modules across handlers and config
// reloads, keyed by wasm content hash and compile options: a reload
// provisions the new config before cleaning up the old one, so an unchanged
// module is never compiled twice, and a changed one gets a new key.
var compiledModules = caddy.NewUsagePool()

// compiledModule closes its runtime when the last user lets go of it.
type compiledModule struct{ *sandbox.Module }

// Destruct implements caddy.Destructor.
func (c compiledModule) Destruct() error {
	return c.Close(context.Background())
}
