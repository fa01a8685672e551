package sandbox

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gojinn/gojinn/sandbox/meter"
)

// HostModule is an import module the host provides to guests beside WASI
// (host.Module is the `gojinn` one). The sandbox knows nothing of what it
// does: it instantiates it in a module's runtime, and its functions are
// resolved against the module's imports like WASI's.
//
// Its functions find the run they serve through the context of the call:
// its values are those of the context given to [Runner.Run] or
// [Slot.Run] (for a pooled instance, once its request was delivered;
// none before), and it is done as soon as the run is stopped, which a
// blocking host function must watch (wazero never interrupts one).
//
// That context is valid only during the call: the sandbox reuses it for
// later runs. A host function must not keep it, nor hand it to code that
// may use it after the call returns (a context derived from it may be
// watched by a goroutine that outlives the call): read its values and
// Done channel during the call and give such code a context of its own
// (as host.callContext does).
type HostModule interface {
	// Name is the import module's name, as guests import it.
	Name() string
	// Instantiate adds the module's functions to rt under Name.
	Instantiate(ctx context.Context, rt wazero.Runtime) error
}

// instantiateHosts instantiates in rt each host module the wasm imports
// from: a module that does not import one pays nothing for it. It returns
// the names of every module the wasm imports from.
func instantiateHosts(ctx context.Context, rt wazero.Runtime, wasm []byte, hosts []HostModule) (map[string]bool, error) {
	imports, _, _ := declarations(wasm)
	imported := make(map[string]bool, 2)
	for _, imp := range imports {
		imported[imp.module] = true
	}
	for _, h := range hosts {
		name := h.Name()
		if name == wasi_snapshot_preview1.ModuleName || name == meter.ImportModule {
			return nil, fmt.Errorf("host module %q: the name is reserved", name)
		}
		if !imported[name] || rt.Module(name) != nil {
			continue
		}
		if err := h.Instantiate(ctx, rt); err != nil {
			return nil, fmt.Errorf("instantiating the host module %s: %w", name, err)
		}
	}
	return imported, nil
}

// Imports tells whether the module imports anything from the import
// module named module: a caller attaches per-run state for a host module
// only to the runs that can use it.
func (m *Module) Imports(module string) bool { return m.imports[module] }
