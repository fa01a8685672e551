package meter

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// fuelWAT has functions whose fuel is computed by hand in TestFuelIsExact.
const fuelWAT = `(module
  (func $sum (export "sum") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  (func (export "pick") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (i32.const 1) (i32.const 2)))
      (else (i32.const 7))))
  (func $fact (export "fact") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fact (i64.sub (local.get 0) (i64.const 1)))))))
  (func (export "sw") (param i32) (result i32)
    (block $a (block $b (br_table $a $b (local.get 0))) (return (i32.const 10)))
    (i32.const 20))
  (func (export "trap") (unreachable))
  (func (export "chain") (param $x i32) (result i32)
    (if (i32.eq (local.get $x) (i32.const 1)) (then (return (i32.const 10))))
    (if (i32.eq (local.get $x) (i32.const 2)) (then (return (i32.const 20))))
    (block $b (br_if $b (i32.eqz (local.get $x))) (drop (i32.const 5)))
    (if (result i32) (local.get $x) (then (i32.const 7)) (else (return (i32.const 30))))
    (i32.add (i32.const 1)))
  (func (export "nest") (param $x i32) (result i32)
    (if (local.get $x)
      (then
        (if (i32.gt_u (local.get $x) (i32.const 5)) (then (return (i32.const 100))))
        (return (i32.const 50))))
    (i32.const 0))
  (memory 1) (table 4 funcref) (data $d "0123456789") (elem $e func $fact $fact)
  (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
  (func (export "copy") (param i32) (memory.copy (i32.const 100) (i32.const 0) (local.get 0)))
  (func (export "init") (param i32) (memory.init $d (i32.const 0) (i32.const 0) (local.get 0)))
  (func (export "tfill") (param i32) (table.fill 0 (i32.const 0) (ref.null func) (local.get 0)))
  (func (export "tcopy") (param i32) (table.copy (i32.const 2) (i32.const 0) (local.get 0)))
  (func (export "tinit") (param i32) (table.init $e (i32.const 0) (i32.const 0) (local.get 0)))
  (func (export "fill2") (param i32) (local $a i64) (local $b f32)
    (local.set $a (i64.const 5))
    (memory.fill (i32.const 0) (i32.const 1) (local.get 0))
    (drop (local.get $a)))
)`

// call instantiates compiled and calls fn with args under budget b; it
// returns the first result, the fuel used and the call's error.
func call(t *testing.T, rt wazero.Runtime, compiled wazero.CompiledModule, b *Budget, fn string, args ...uint64) (uint64, int64, error) {
	t.Helper()
	ctx := context.WithValue(context.Background(), budgetKey{}, b)
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close(ctx)
	res, err := mod.ExportedFunction(fn).Call(ctx, args...)
	fuel := b.Consumed(int64(mod.ExportedGlobal(FuelExport).Get()))
	if len(res) == 0 {
		return 0, fuel, err
	}
	return res[0], fuel, err
}

func compileInstrumented(t *testing.T, rt wazero.Runtime, wasm []byte) wazero.CompiledModule {
	t.Helper()
	inst, err := Instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := rt.CompileModule(context.Background(), inst)
	if err != nil {
		t.Fatalf("instrumented module does not compile: %v", err)
	}
	t.Cleanup(func() { _ = compiled.Close(context.Background()) })
	return compiled
}

// TestFuelIsExact: fuel is one unit per executed instruction, block, loop,
// else, end and nop excepted, on every path, whatever the slice size; bulk
// memory instructions add one per 64 bytes, bulk table ones one per element.
func TestFuelIsExact(t *testing.T) {
	rt := newHost(t, true)
	compiled := compileInstrumented(t, rt, wat2wasm(t, fuelWAT))
	for _, c := range []struct {
		fn         string
		arg        uint64
		result     uint64
		fuel       int64
		whyThatSum string
	}{
		{"sum", 0, 0, 4, "br_if taken (3), local.get (1)"},
		{"sum", 1, 1, 16, "12 per iteration + 4"},
		{"sum", 1000, 500500, 12004, "12 per iteration + 4"},
		{"pick", 1, 3, 5, "local.get, if, then: 3"},
		{"pick", 0, 7, 3, "local.get, if, else: 1"},
		{"fact", 0, 1, 4, "9 per level + 4"},
		{"fact", 10, 3628800, 94, "9 per level + 4"},
		{"sw", 0, 20, 3, "local.get, br_table, i32.const"},
		{"sw", 1, 10, 4, "local.get, br_table, i32.const, return"},
		{"chain", 1, 10, 6, "first if (4), then (2)"},
		{"chain", 2, 20, 10, "two ifs (8), then (2)"},
		{"chain", 0, 30, 15, "two ifs (8), br_if taken (3), if (2), else (2)"},
		{"chain", 3, 8, 18, "two ifs (8), block (5), if (2), then (1), add (2)"},
		{"nest", 0, 0, 3, "local.get, if, i32.const"},
		{"nest", 3, 50, 8, "if (2), inner if (4), i32.const, return"},
		{"nest", 9, 100, 8, "if (2), inner if (4), inner then (2)"},
		{"fill", 0, 0, 4, "4 instructions + 1 per 64 bytes"},
		{"fill", 63, 0, 4, "4 instructions + 1 per 64 bytes"},
		{"fill", 6400, 0, 104, "4 instructions + 1 per 64 bytes"},
		{"copy", 128, 0, 6, "4 instructions + 1 per 64 bytes"},
		{"init", 10, 0, 4, "4 instructions + 1 per 64 bytes"},
		{"tfill", 3, 0, 7, "4 instructions + 1 per element"},
		{"tcopy", 2, 0, 6, "4 instructions + 1 per element"},
		{"tinit", 2, 0, 6, "4 instructions + 1 per element"},
		{"fill2", 640, 0, 18, "8 instructions + 1 per 64 bytes (scratch local after the others)"},
	} {
		for _, slice := range []int64{1, 7, DefaultSlice} {
			got, fuel, err := call(t, rt, compiled, &Budget{Slice: slice}, c.fn, c.arg)
			if err != nil || got != c.result || fuel != c.fuel {
				t.Errorf("%s(%d) slice %d = %d, fuel %d, %v; want %d, fuel %d (%s)",
					c.fn, c.arg, slice, got, fuel, err, c.result, c.fuel, c.whyThatSum)
			}
		}
	}
	_, fuel, err := call(t, rt, compiled, &Budget{}, "trap")
	if err == nil || !strings.Contains(err.Error(), "unreachable") || fuel != 1 {
		t.Errorf("trap: fuel %d, %v; want 1 and the unreachable trap", fuel, err)
	}
	// A bulk instruction that traps has been charged for its length.
	_, fuel, err = call(t, rt, compiled, &Budget{}, "init", 11)
	if err == nil || !strings.Contains(err.Error(), "out of bounds") || fuel != 4 {
		t.Errorf("init(11): fuel %d, %v; want 4 and the out of bounds trap", fuel, err)
	}
}

// TestFuelLimit: the run stops at the first check after it has used more
// than its limit, and the same limit always gives the same verdict.
func TestFuelLimit(t *testing.T) {
	rt := newHost(t, true)
	compiled := compileInstrumented(t, rt, wat2wasm(t, fuelWAT))
	for _, slice := range []int64{1, 1000, DefaultSlice} {
		b := &Budget{Limit: 12004, Slice: slice}
		if _, fuel, err := call(t, rt, compiled, b, "sum", 1000); err != nil || fuel != 12004 || b.Exceeded(fuel) {
			t.Errorf("slice %d: limit = fuel needed: fuel %d, %v; want it to run", slice, fuel, err)
		}
		// One below: the last straight-line run (local.get) passes no
		// check, so the verdict comes from Exceeded after the run.
		b = &Budget{Limit: 12003, Slice: slice}
		if _, fuel, err := call(t, rt, compiled, b, "sum", 1000); err != nil || !b.Exceeded(fuel) {
			t.Errorf("slice %d: limit one below: fuel %d, %v; want Exceeded", slice, fuel, err)
		}
		// Far below: stopped at the first loop header after the limit.
		b = &Budget{Limit: 6000, Slice: slice}
		_, fuel, err := call(t, rt, compiled, b, "sum", 1000)
		if !errors.Is(err, ErrFuelExhausted) || fuel <= 6000 || fuel > 6000+12 {
			t.Errorf("slice %d: limit 6000: fuel %d, %v; want ErrFuelExhausted within one iteration", slice, fuel, err)
		}
	}
	// An endless loop stops on fuel alone.
	loop := wat2wasm(t, `(module (func (export "f") (loop $l (br $l))))`)
	if _, fuel, err := call(t, rt, compileInstrumented(t, rt, loop), &Budget{Limit: 1e6}, "f"); !errors.Is(err, ErrFuelExhausted) || fuel != 1e6+1 {
		t.Errorf("endless loop: fuel %d, %v; want ErrFuelExhausted after 1e6+1", fuel, err)
	}
}

// renumberWAT imports functions, so every defined function moves, and
// reaches its functions through every kind of reference.
const renumberWAT = `(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "genv" "g" (global $ig i32))
  (type $v (func (result i32)))
  (table $t 8 funcref)
  (table $t2 4 funcref)
  (global $fr (mut funcref) (ref.func $three))
  (global $started (mut i32) (i32.const 0))
  (elem (i32.const 0) $one $two)                          ;; flags 0
  (elem $p func $three $one)                              ;; flags 1
  (elem (table $t2) (i32.const 1) func $two)              ;; flags 2
  (elem declare func $four)                               ;; flags 3
  (elem (i32.const 4) funcref (ref.func $four) (ref.null func)) ;; flags 4
  (elem $pe funcref (ref.func $two))                      ;; flags 5
  (elem (table $t2) (i32.const 2) funcref (ref.func $one)) ;; flags 6
  (elem declare funcref (ref.func $three))                ;; flags 7
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $three (result i32) (i32.const 3))
  (func $four (result i32) (i32.const 4))
  (func $init (global.set $started (i32.const 100)))
  (start $init)
  (func $direct (export "direct") (result i32) (call $add (call $one) (call $two)))
  (func $table (export "table") (result i32)
    (call $add (call_indirect $t (type $v) (i32.const 1)) (call_indirect $t (type $v) (i32.const 4))))
  (func $table2 (export "table2") (result i32)
    (call $add (call_indirect $t2 (type $v) (i32.const 1)) (call_indirect $t2 (type $v) (i32.const 2))))
  (func $passive (export "passive") (result i32)
    (table.init $t $p (i32.const 5) (i32.const 0) (i32.const 2))
    (table.init $t2 $pe (i32.const 3) (i32.const 0) (i32.const 1))
    (call $add (call_indirect $t (type $v) (i32.const 5))
      (call $add (call_indirect $t (type $v) (i32.const 6)) (call_indirect $t2 (type $v) (i32.const 3)))))
  (func $reffunc (export "reffunc") (result i32)
    (table.set $t (i32.const 7) (ref.func $four))
    (call $add (call_indirect $t (type $v) (i32.const 7))
      (call $add (global.get $started) (global.get $ig))))
  (func $global (export "global") (result i32)
    (table.set $t (i32.const 7) (global.get $fr))
    (call_indirect $t (type $v) (i32.const 7)))
  (func $recurse (export "recurse") (result i32) (call $add (global.get $ig) (call $three)))
)`

// TestRenumbering: after the added import, every reference to a function
// still reaches the same function, and the name section still names it.
func TestRenumbering(t *testing.T) {
	ctx := context.Background()
	wasm := wat2wasm(t, renumberWAT, "--debug-names")
	want := map[string]uint64{
		"direct": 3, "table": 6, "table2": 3, "passive": 6, "reffunc": 1104, "global": 3, "recurse": 1003,
	}
	var plainDefs map[string]api.FunctionDefinition
	for _, metered := range []bool{false, true} {
		rt := newHost(t, metered)
		_, err := rt.NewHostModuleBuilder("env").NewFunctionBuilder().
			WithFunc(func(a, b uint32) uint32 { return a + b }).Export("add").Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		genv := wat2wasm(t, `(module (global (export "g") i32 (i32.const 1000)))`)
		if _, err := rt.InstantiateWithConfig(ctx, genv, wazero.NewModuleConfig().WithName("genv")); err != nil {
			t.Fatal(err)
		}
		var compiled wazero.CompiledModule
		if metered {
			compiled = compileInstrumented(t, rt, wasm)
		} else if compiled, err = rt.CompileModule(ctx, wasm); err != nil {
			t.Fatal(err)
		}
		for fn, w := range want {
			var got uint64
			if metered {
				got, _, err = call(t, rt, compiled, &Budget{}, fn)
			} else {
				got, err = callPlain(t, rt, compiled, fn)
			}
			if err != nil || got != w {
				t.Errorf("metered %v: %s() = %d, %v; want %d", metered, fn, got, err, w)
			}
		}
		defs := compiled.ExportedFunctions()
		if !metered {
			plainDefs = defs
			continue
		}
		for name, d := range defs {
			p := plainDefs[name]
			if d.Name() != name || d.Index() != p.Index()+1 {
				t.Errorf("export %s: name %q index %d; want name %q index %d", name, d.Name(), d.Index(), name, p.Index()+1)
			}
		}
	}
}

func callPlain(t *testing.T, rt wazero.Runtime, compiled wazero.CompiledModule, fn string) (uint64, error) {
	t.Helper()
	ctx := context.Background()
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close(ctx)
	res, err := mod.ExportedFunction(fn).Call(ctx)
	if err != nil {
		return 0, err
	}
	return res[0], nil
}

// TestRefusesReservedNames: a module already using the meter's names is
// refused rather than given a second counter or import.
func TestRefusesReservedNames(t *testing.T) {
	for name, wat := range map[string]string{
		"import":               `(module (import "gojinn_meter" "x" (func)))`,
		"export":               `(module (global (export "gojinn_meter.fuel") i32 (i32.const 0)))`,
		"already instrumented": "",
	} {
		wasm := wat2wasm(t, `(module (func (export "f")))`)
		if wat != "" {
			wasm = wat2wasm(t, wat)
		} else if inst, err := Instrument(wasm); err != nil {
			t.Fatal(err)
		} else {
			wasm = inst
		}
		if _, err := Instrument(wasm); err == nil || !strings.Contains(err.Error(), "reserves") {
			t.Errorf("%s: %v, want a refusal naming the reserved name", name, err)
		}
	}
}

// TestCustomSections: the name section is kept (rewritten), producers
// kept, sections that may hold code offsets (DWARF) dropped.
func TestCustomSections(t *testing.T) {
	wasm := wat2wasm(t, `(module (func $f (export "f")))`, "--debug-names")
	wasm = appendSection(wasm, secCustom, appendName(nil, []byte(".debug_info")))
	wasm = appendSection(wasm, secCustom, append(appendName(nil, []byte("producers")), 0))
	inst, err := Instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	secs, err := splitSections(inst)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range secs {
		if s.id == secCustom {
			r := reader{b: s.body}
			n, _ := r.name()
			names = append(names, string(n))
		}
	}
	if strings.Join(names, ",") != "name,producers" {
		t.Errorf("custom sections %v, want [name producers]", names)
	}
}

// TestSectionsAdded: the sections the rewrite extends are created, in
// their place, when a module has none.
func TestSectionsAdded(t *testing.T) {
	rt := newHost(t, true)
	for _, wat := range []string{
		`(module)`,
		`(module (memory 1))`,
		`(module (func (export "f") (loop $l (br_if $l (i32.const 0)))))`,
		`(module (func $f) (start $f) (data "x"))`,
	} {
		inst, err := Instrument(wat2wasm(t, wat))
		if err != nil {
			t.Fatalf("%s: %v", wat, err)
		}
		c, err := rt.CompileModule(context.Background(), inst)
		if err != nil {
			t.Fatalf("%s: instrumented module does not compile: %v", wat, err)
		}
		if _, ok := c.ExportedFunctions()["f"]; strings.Contains(wat, `"f"`) && !ok {
			t.Errorf("%s: export f lost", wat)
		}
		_ = c.Close(context.Background())
	}
}
