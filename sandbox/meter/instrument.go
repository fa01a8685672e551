package meter

import (
	"errors"
	"fmt"
	"math"
)

// The names an instrumented module uses to reach its host.
const (
	// ImportModule is the import module of the refuel function. A module
	// that already imports anything from it is refused.
	ImportModule = "gojinn_meter"
	// RefuelImport is the refuel function's name in ImportModule: type
	// (i64) -> i64. It is called with the counter's value when it has gone
	// below zero and returns the counter's new value, or traps to stop the
	// run. See [Budget.Refuel].
	RefuelImport = "refuel"
	// FuelExport is the name of the exported mutable i64 global that holds
	// the counter: what is left of the fuel handed out so far. A module that
	// already exports this name is refused.
	FuelExport = "gojinn_meter.fuel"
)

// Sections kept besides "name" (rewritten): they hold no function index or
// code offset. Every other custom section (DWARF, source maps, unknown
// ones) is dropped, because code offsets and function indices change.
var keptCustom = []string{"producers", "target_features"}

// rewrite holds what Instrument learns about a module and its reusable
// buffers.
type rewrite struct {
	types, importedFuncs, funcs, importedGlobals, globals uint32

	typeParams []uint32 // parameter count of each type
	funcParams []uint32 // parameter count of each defined function

	refuel uint32 // function index of the refuel import
	fuel   uint32 // global index of the counter

	// Code snippets, encoded once per module.
	chargeHead, chargeTail, check []byte

	in    Instr
	steps []step
	ctl   []frame
	folds []fold
	buf   []byte
}

// fn renumbers a function index: every function defined in the module
// moves up by one, after the added import.
func (m *rewrite) fn(i uint32) (uint32, error) {
	if i >= m.funcs {
		return 0, fmt.Errorf("function index %d out of range", i)
	}
	if i >= m.importedFuncs {
		return i + 1, nil
	}
	return i, nil
}

// Instrument returns wasm rewritten to meter its own execution (see the
// package documentation). It fails, without panicking, on input it cannot
// decode, on instructions outside WebAssembly 2.0, and on modules that
// already use [ImportModule] or [FuelExport].
func Instrument(wasm []byte) ([]byte, error) {
	out, err := instrument(wasm)
	if err != nil {
		return nil, fmt.Errorf("meter: %w", err)
	}
	return out, nil
}

func instrument(wasm []byte) ([]byte, error) {
	secs, err := splitSections(wasm)
	if err != nil {
		return nil, err
	}
	m := &rewrite{}
	for _, s := range secs {
		if err := m.count(s); err != nil {
			return nil, fmt.Errorf("section %d: %w", s.id, err)
		}
	}
	if m.types == math.MaxUint32 || m.funcs == math.MaxUint32 || uint64(m.importedGlobals)+uint64(m.globals) >= math.MaxUint32 {
		return nil, errors.New("index space full")
	}
	m.refuel = m.importedFuncs
	m.fuel = m.importedGlobals + m.globals
	m.snippets()

	out := make([]byte, 0, len(wasm)+len(wasm)/4+64)
	out = append(out, header...)
	// The sections the rewrite adds to, created empty when absent.
	added := map[byte]bool{secType: false, secImport: false, secGlobal: false, secExport: false}
	flush := func(rank int) error {
		for _, id := range []byte{secType, secImport, secGlobal, secExport} {
			if !added[id] && sectionRank[id] < rank {
				body, err := m.section(id, []byte{0})
				if err != nil {
					return err
				}
				out = appendSection(out, id, body)
				added[id] = true
			}
		}
		return nil
	}
	for _, s := range secs {
		if s.id == secCustom {
			body, keep := m.custom(s.body)
			if keep {
				out = appendSection(out, secCustom, body)
			}
			continue
		}
		if err := flush(sectionRank[s.id]); err != nil {
			return nil, err
		}
		body, err := m.section(s.id, s.body)
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", s.id, err)
		}
		out = appendSection(out, s.id, body)
		if _, ok := added[s.id]; ok {
			added[s.id] = true
		}
	}
	if err := flush(math.MaxInt); err != nil {
		return nil, err
	}
	return out, nil
}

// count reads the sizes of the index spaces the rewrite extends.
func (m *rewrite) count(s section) error {
	r := reader{b: s.body}
	var err error
	switch s.id {
	case secType:
		m.types, err = r.vec()
		for i := uint32(0); i < m.types && err == nil; i++ {
			err = m.readType(&r)
		}
	case secImport:
		err = m.countImports(&r)
	case secFunction:
		var n uint32
		n, err = r.vec()
		if err == nil && uint64(m.importedFuncs)+uint64(n) >= math.MaxUint32 {
			err = errors.New("too many functions")
		}
		m.funcs += n
		for ; n > 0 && err == nil; n-- {
			var t uint32
			if t, err = r.u32(); err == nil && t >= uint32(len(m.typeParams)) {
				err = fmt.Errorf("type index %d out of range", t)
			}
			if err == nil {
				m.funcParams = append(m.funcParams, m.typeParams[t])
			}
		}
	case secGlobal:
		m.globals, err = r.vec()
	}
	return err
}

// readType reads a function type and records its parameter count.
func (m *rewrite) readType(r *reader) error {
	form, err := r.byte()
	if err != nil {
		return err
	}
	if form != 0x60 {
		return fmt.Errorf("unknown type form %#x", form)
	}
	params, err := r.vec()
	if err != nil {
		return err
	}
	if _, err := r.bytes(params); err != nil {
		return err
	}
	results, err := r.vec()
	if err != nil {
		return err
	}
	_, err = r.bytes(results)
	m.typeParams = append(m.typeParams, params)
	return err
}

func (m *rewrite) countImports(r *reader) error {
	n, err := r.vec()
	if err != nil {
		return err
	}
	for ; n > 0; n-- {
		mod, err := r.name()
		if err != nil {
			return err
		}
		if string(mod) == ImportModule {
			return fmt.Errorf("the module already imports from %q, which metering reserves", ImportModule)
		}
		if _, err := r.name(); err != nil {
			return err
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		switch kind {
		case 0x00: // func: type index
			if _, err := r.u32(); err != nil {
				return err
			}
			m.importedFuncs++
			m.funcs++
		case 0x01: // table: reftype limits
			if _, err := r.byte(); err != nil {
				return err
			}
			err = r.limits()
		case 0x02: // memory: limits
			err = r.limits()
		case 0x03: // global: valtype mut
			_, err = r.bytes(2)
			m.importedGlobals++
		default:
			err = fmt.Errorf("unknown import kind %#x", kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// limits skips a table's or memory's limits.
func (r *reader) limits() error {
	flags, err := r.byte()
	if err != nil {
		return err
	}
	if _, err := r.uleb(64); err != nil {
		return err
	}
	if flags&1 != 0 {
		_, err = r.uleb(64)
	}
	return err
}

// section returns the rewritten body of a non-custom section.
func (m *rewrite) section(id byte, body []byte) ([]byte, error) {
	r := reader{b: body}
	switch id {
	case secType: // + (i64) -> i64
		return m.extend(&r, []byte{0x60, 1, 0x7e, 1, 0x7e})
	case secImport:
		entry := appendName(nil, []byte(ImportModule))
		entry = appendName(entry, []byte(RefuelImport))
		entry = append(entry, 0x00)
		entry = appendU(entry, uint64(m.types))
		return m.extend(&r, entry)
	case secGlobal:
		return m.globalSection(&r)
	case secExport:
		return m.exports(&r)
	case secStart:
		i, err := r.u32()
		if err != nil {
			return nil, err
		}
		if i, err = m.fn(i); err != nil {
			return nil, err
		}
		return appendU(nil, uint64(i)), nil
	case secElement:
		return m.elements(&r)
	case secCode:
		return m.code(&r)
	}
	return body, nil
}

// extend appends one entry to a vector section.
func (m *rewrite) extend(r *reader, entry []byte) ([]byte, error) {
	n, err := r.vec()
	if err != nil {
		return nil, err
	}
	out := appendU(nil, uint64(n)+1)
	out = append(out, r.b[r.off:]...)
	return append(out, entry...), nil
}

// globalSection renumbers ref.func in initialisers and adds the counter:
// (global (mut i64) (i64.const 0)). It starts at zero, so the first check
// asks the host for the first slice.
func (m *rewrite) globalSection(r *reader) ([]byte, error) {
	n, err := r.vec()
	if err != nil {
		return nil, err
	}
	out := appendU(nil, uint64(n)+1)
	for ; n > 0; n-- {
		t, err := r.bytes(2) // valtype mut
		if err != nil {
			return nil, err
		}
		out = append(out, t...)
		if out, err = m.constExpr(r, out); err != nil {
			return nil, err
		}
	}
	if !r.done() {
		return nil, errors.New("bytes after the last global")
	}
	return append(out, 0x7e, 0x01, byte(opI64Const), 0x00, byte(opEnd)), nil
}

// exports renumbers function exports and exports the counter.
func (m *rewrite) exports(r *reader) ([]byte, error) {
	n, err := r.vec()
	if err != nil {
		return nil, err
	}
	out := appendU(nil, uint64(n)+1)
	for ; n > 0; n-- {
		name, err := r.name()
		if err != nil {
			return nil, err
		}
		if string(name) == FuelExport {
			return nil, fmt.Errorf("the module already exports %q, which metering reserves", FuelExport)
		}
		kind, err := r.byte()
		if err != nil {
			return nil, err
		}
		i, err := r.u32()
		if err != nil {
			return nil, err
		}
		if kind == 0x00 {
			if i, err = m.fn(i); err != nil {
				return nil, err
			}
		}
		out = append(appendName(out, name), kind)
		out = appendU(out, uint64(i))
	}
	if !r.done() {
		return nil, errors.New("bytes after the last export")
	}
	out = append(appendName(out, []byte(FuelExport)), 0x03)
	return appendU(out, uint64(m.fuel)), nil
}

// custom returns a custom section's new body, and whether to keep it.
func (m *rewrite) custom(body []byte) ([]byte, bool) {
	r := reader{b: body}
	name, err := r.name()
	if err != nil {
		return nil, false
	}
	if string(name) == "name" {
		out, err := m.names(body[:r.off], &r)
		return out, err == nil
	}
	for _, k := range keptCustom {
		if string(name) == k {
			return body, true
		}
	}
	return nil, false
}

// constExpr copies a constant expression up to its end, renumbering
// ref.func.
func (m *rewrite) constExpr(r *reader, out []byte) ([]byte, error) {
	for {
		start := r.off
		if err := r.instr(&m.in); err != nil {
			return nil, err
		}
		switch m.in.Op {
		case opRefFunc:
			i, err := m.fn(m.in.Index)
			if err != nil {
				return nil, err
			}
			out = appendU(append(out, byte(opRefFunc)), uint64(i))
		case opEnd:
			return append(out, byte(opEnd)), nil
		default:
			out = append(out, r.b[start:r.off]...)
		}
	}
}
