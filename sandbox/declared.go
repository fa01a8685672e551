package sandbox

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gojinn/gojinn/sandbox/meter"
)

// What a module declares, read from its binary before it is compiled:
// wazero's CompiledModule lists imported functions and memories, but not
// imported globals or tables, and a memory over the limit fails the
// compile with nothing but a message.

const (
	sectionImport = 2
	sectionMemory = 5
)

// declaredImport is one entry of the import section.
type declaredImport struct {
	module, name string
	kind         byte // 0 function, 1 table, 2 memory, 3 global, 4 tag
}

var importKinds = [...]string{"function", "table", "memory", "global", "tag"}

// declarations reads a module's imports and the initial pages of its
// first memory (0 when it declares none). ok is false for a binary it
// cannot read; the compiler then reports what is wrong with it.
func declarations(wasm []byte) (imports []declaredImport, minPages uint64, ok bool) {
	secs, err := wasmSections(wasm)
	if err != nil {
		return nil, 0, false
	}
	for _, s := range secs {
		r := leb{b: wasm[s.start:s.end]}
		switch s.id {
		case sectionImport:
			for range r.u() {
				imp := declaredImport{module: r.name(), name: r.name(), kind: r.byte()}
				switch imp.kind {
				case 0: // type index
					r.u()
				case 1: // reference type, limits
					r.byte()
					r.limits()
				case 2:
					r.limits()
				case 3: // value type, mutability
					r.byte()
					r.byte()
				case 4: // attribute, type index
					r.byte()
					r.u()
				default:
					return nil, 0, false
				}
				imports = append(imports, imp)
			}
		case sectionMemory:
			if r.u() > 0 {
				minPages = r.limits()
			}
		}
		if r.bad {
			return nil, 0, false
		}
	}
	return imports, minPages, true
}

// checkDeclarations refuses imports other than functions, and an initial
// memory over limitPages.
func checkDeclarations(wasm []byte, limitPages uint32) error {
	imports, minPages, ok := declarations(wasm)
	if !ok {
		return nil
	}
	for _, imp := range imports {
		if imp.kind != 0 {
			return fmt.Errorf("the module imports the %s %s.%s: only functions can be imported",
				importKinds[imp.kind], imp.module, imp.name)
		}
	}
	if minPages > uint64(limitPages) {
		return fmt.Errorf("the module needs more memory than memory_limit allows: %d pages of 64KiB initially, the limit is %d", minPages, limitPages)
	}
	return nil
}

// checkImports resolves every imported function against the modules
// instantiated in rt, WASI and the host modules the wasm imports from, by
// name and signature: a module that loads can always be instantiated.
// The meter's refuel import, which meter.Instrument added (it refuses a
// module that had its own), is provided by rt.
func checkImports(rt wazero.Runtime, c wazero.CompiledModule, metered bool, hosts []HostModule) error {
	for _, f := range c.ImportedFunctions() {
		mod, name, _ := f.Import()
		if metered && mod == meter.ImportModule {
			continue
		}
		provider := rt.Module(mod) // WASI, or a host module instantiated because wasm imports it
		if provider == nil {
			return fmt.Errorf("the module imports %s.%s: only %s functions are available", mod, name, available(hosts))
		}
		want, ok := provider.ExportedFunctionDefinitions()[name]
		if !ok {
			return fmt.Errorf("the module imports %s.%s: %s has no such function", mod, name, mod)
		}
		if !slices.Equal(f.ParamTypes(), want.ParamTypes()) || !slices.Equal(f.ResultTypes(), want.ResultTypes()) {
			return fmt.Errorf("the module imports %s.%s as %s: it is %s", mod, name, signature(f), signature(want))
		}
	}
	return nil
}

// available names the import modules a guest can use, for errors.
func available(hosts []HostModule) string {
	names := wasi_snapshot_preview1.ModuleName
	for _, h := range hosts {
		names += ", " + h.Name()
	}
	return names
}

func signature(f api.FunctionDefinition) string {
	names := func(ts []api.ValueType) []string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = api.ValueTypeName(t)
		}
		return out
	}
	return fmt.Sprintf("(func (param %v) (result %v))", names(f.ParamTypes()), names(f.ResultTypes()))
}

// leb reads a section's contents; a read past the end sets bad.
type leb struct {
	b   []byte
	bad bool
}

func (r *leb) u() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *leb) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *leb) name() string {
	n := r.u()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// limits reads a limits entry and returns its minimum.
func (r *leb) limits() uint64 {
	flags := r.byte()
	minimum := r.u()
	if flags&1 != 0 {
		r.u()
	}
	return minimum
}
