package meter

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// instrModule wraps a function body in a module that declares what the
// instructions may refer to; wat2wasm runs with --no-check, so bodies need
// not be well typed.
func instrModule(body string) string {
	return `(module
  (type $t (func (param i32) (result i32 i32)))
  (memory 1) (table 2 funcref)
  (global (mut i32) (i32.const 0))
  (data "x") (elem func 0)
  (func (param i32 i32) (local i64 v128)
` + body + `))`
}

// The instructions of each class, as wat2wasm encodes them, and as the
// decoder must read them.
var instrClasses = []struct {
	name, body string
	want       []Instr
}{
	{"control", `unreachable nop block end loop (result i32) end if (type $t) else nop end
		br 1 br_if 0 br_table 0 1 2 return call 0 call_indirect (type $t)`, []Instr{
		{Op: 0x00},
		{Op: 0x01},
		{Op: 0x02, Block: -64},
		{Op: 0x0b},
		{Op: 0x03, Block: -1},
		{Op: 0x0b},
		{Op: 0x04, Block: 0},
		{Op: 0x05},
		{Op: 0x01},
		{Op: 0x0b},
		{Op: 0x0c, Index: 1},
		{Op: 0x0d},
		{Op: 0x0e, Labels: []uint32{0, 1}, Index: 2},
		{Op: 0x0f},
		{Op: 0x10},
		{Op: 0x11},
	}},
	{"block types", `block (result i64) end block (result f32) end block (result f64) end
		block (result v128) end block (result funcref) end block (result externref) end`, []Instr{
		{Op: 0x02, Block: -2},
		{Op: 0x0b},
		{Op: 0x02, Block: -3},
		{Op: 0x0b},
		{Op: 0x02, Block: -4},
		{Op: 0x0b},
		{Op: 0x02, Block: -5},
		{Op: 0x0b},
		{Op: 0x02, Block: -16},
		{Op: 0x0b},
		{Op: 0x02, Block: -17},
		{Op: 0x0b},
	}},
	{"parametric and variable", `drop select select (result i64 f32) local.get 1 local.set 2 local.tee 3
		global.get 0 global.set 0 table.get 0 table.set 0`, []Instr{
		{Op: 0x1a},
		{Op: 0x1b},
		{Op: 0x1c, Types: []byte{0x7e, 0x7d}},
		{Op: 0x20, Index: 1},
		{Op: 0x21, Index: 2},
		{Op: 0x22, Index: 3},
		{Op: 0x23},
		{Op: 0x24},
		{Op: 0x25},
		{Op: 0x26},
	}},
	{"memory", `i32.load i64.load offset=8 align=4 f32.load f64.load i32.load8_s i64.load32_u offset=4294967295
		i32.store i64.store32 offset=100 align=1 memory.size memory.grow`, []Instr{
		{Op: 0x28, Align: 2},
		{Op: 0x29, Align: 2, Offset: 8},
		{Op: 0x2a, Align: 2},
		{Op: 0x2b, Align: 3},
		{Op: 0x2c},
		{Op: 0x35, Align: 2, Offset: 4294967295},
		{Op: 0x36, Align: 2},
		{Op: 0x3e, Offset: 100},
		{Op: 0x3f},
		{Op: 0x40},
	}},
	{"constants", `i32.const -1 i32.const 2147483647 i32.const -2147483648 i64.const -9223372036854775808
		i64.const 9223372036854775807 f32.const 1.5 f64.const -0x0p+0`, []Instr{
		{Op: 0x41, Value: 0xffffffffffffffff},
		{Op: 0x41, Value: 0x7fffffff},
		{Op: 0x41, Value: 0xffffffff80000000},
		{Op: 0x42, Value: 1 << 63},
		{Op: 0x42, Value: 1<<63 - 1},
		{Op: 0x43, Value: 0x3fc00000},
		{Op: 0x44, Value: 1 << 63},
	}},
	{"numeric", `i32.eqz i64.add f32.sqrt f64.copysign i32.wrap_i64 f64.reinterpret_i64 i32.extend8_s i64.extend32_s`, []Instr{
		{Op: 0x45}, {Op: 0x7c}, {Op: 0x91}, {Op: 0xa6}, {Op: 0xa7}, {Op: 0xbf}, {Op: 0xc0}, {Op: 0xc4},
	}},
	{"reference", `ref.null func ref.null extern ref.is_null ref.func 0`, []Instr{
		{Op: 0xd0, RefType: 0x70}, {Op: 0xd0, RefType: 0x6f}, {Op: 0xd1}, {Op: 0xd2},
	}},
	{"0xFC saturating, bulk memory, table", `i32.trunc_sat_f32_s i64.trunc_sat_f64_u memory.init 0 data.drop 0
		memory.copy memory.fill table.init 0 elem.drop 0 table.copy table.grow 0 table.size 0 table.fill 0`, []Instr{
		{Op: 0xfc0000},
		{Op: 0xfc0007},
		{Op: 0xfc0008},
		{Op: 0xfc0009},
		{Op: 0xfc000a},
		{Op: 0xfc000b},
		{Op: 0xfc000c},
		{Op: 0xfc000d},
		{Op: 0xfc000e},
		{Op: 0xfc000f},
		{Op: 0xfc0010},
		{Op: 0xfc0011},
	}},
	{"0xFD SIMD", `v128.load offset=16 v128.load8x8_s v128.load64_splat v128.store
		v128.const i32x4 1 2 3 0xffffffff i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 i8x16.swizzle
		i8x16.extract_lane_s 15 f64x2.replace_lane 1 v128.load8_lane 3 v128.store64_lane offset=8 1
		v128.load32_zero v128.load64_zero i8x16.popcnt i32x4.dot_i16x8_s f64x2.convert_low_i32x4_u v128.any_true`, []Instr{
		{Op: 0xfd0000, Align: 4, Offset: 16},
		{Op: 0xfd0001, Align: 3},
		{Op: 0xfd000a, Align: 3},
		{Op: 0xfd000b, Align: 4},
		{Op: 0xfd000c, V128: [16]byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}},
		{Op: 0xfd000d, V128: [16]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 31}},
		{Op: 0xfd000e},
		{Op: 0xfd0015, Lane: 15},
		{Op: 0xfd0022, Lane: 1},
		{Op: 0xfd0054, Lane: 3},
		{Op: 0xfd005b, Align: 3, Offset: 8, Lane: 1},
		{Op: 0xfd005c, Align: 2},
		{Op: 0xfd005d, Align: 3},
		{Op: 0xfd0062},
		{Op: 0xfd00ba},
		{Op: 0xfd00ff},
		{Op: 0xfd0053},
	}},
}

// TestDecodeEncodeInstructionClasses decodes each class as wat2wasm
// encodes it, compares with the expected instructions and re-encodes them
// to the same bytes.
func TestDecodeEncodeInstructionClasses(t *testing.T) {
	for _, c := range instrClasses {
		t.Run(c.name, func(t *testing.T) {
			code := firstBody(t, wat2wasm(t, instrModule(c.body), "--no-check"))
			r := reader{b: code}
			var got []Instr
			var enc []byte
			for {
				var in Instr
				if err := r.instr(&in); err != nil {
					t.Fatal(err)
				}
				enc = appendInstr(enc, &in)
				if r.done() {
					break
				}
				got = append(got, in)
			}
			for i := range got { // normalise empty slices for comparison
				if len(got[i].Labels) == 0 {
					got[i].Labels = nil
				}
				if len(got[i].Types) == 0 {
					got[i].Types = nil
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("decoded:\n%+v\nwant:\n%+v", got, c.want)
			}
			if !bytes.Equal(enc, code) {
				t.Errorf("re-encoded %x, want %x", enc, code)
			}
		})
	}
}

// TestDecodeRefusesMalformed: what is not a WebAssembly 2.0 instruction
// is an error, never a panic or a guess.
func TestDecodeRefusesMalformed(t *testing.T) {
	for name, code := range map[string][]byte{
		"empty":                      {},
		"exception opcode 0x06":      {0x06},
		"tail call 0x12":             {0x12, 0x00},
		"bare prefix 0xFC, no sub":   {0xfc},
		"0xFC 18":                    {0xfc, 18},
		"0xFD unassigned 0x9a":       {0xfd, 0x9a, 0x01},
		"relaxed SIMD 0xFD 0x100":    {0xfd, 0x80, 0x02},
		"truncated LEB":              {0x41, 0x80},
		"u32 LEB of 6 bytes":         {0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
		"u32 LEB over 32 bits":       {0x20, 0xff, 0xff, 0xff, 0xff, 0x1f},
		"s32 LEB with bad sign bits": {0x41, 0xff, 0xff, 0xff, 0xff, 0x4f},
		"invalid block type":         {0x02, 0x41},
		"block type -129":            {0x02, 0xff, 0x7e},
		"ref.null of i32":            {0xd0, 0x7f},
		"select t of 0x40":           {0x1c, 0x01, 0x40},
		"br_table longer than input": {0x0e, 0xff, 0xff, 0x03},
		"truncated v128.const":       {0xfd, 0x0c, 1, 2, 3},
		"truncated f64.const":        {0x44, 0, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			r := reader{b: code}
			var in Instr
			err := r.instr(&in)
			var de *decodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v (%+v), want a decode error", err, in)
			}
		})
	}
}

// TestLEB128Bounds checks the integer encodings at their limits, including
// the redundant (padded) forms toolchains write, which must decode.
func TestLEB128Bounds(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		bits uint
		want int64
	}{
		{[]byte{0x7f}, 32, -1},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x7f}, 32, -1},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x78}, 32, -1 << 31},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x07}, 32, 1<<31 - 1},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, 64, -1 << 63},
		{[]byte{0x80, 0x80, 0x00}, 32, 0}, // padded zero
		{[]byte{0x40}, 33, -64},
	} {
		r := reader{b: c.in}
		got, err := r.sleb(c.bits)
		if err != nil || got != c.want || !r.done() {
			t.Errorf("sleb(%x, %d) = %d, %v; want %d", c.in, c.bits, got, err, c.want)
		}
		if enc := appendS(nil, c.want); c.want != 0 {
			r = reader{b: enc}
			if back, err := r.sleb(c.bits); err != nil || back != c.want {
				t.Errorf("appendS(%d) = %x does not read back: %d %v", c.want, enc, back, err)
			}
		}
	}
	r := reader{b: []byte{0x80, 0x80, 0x80, 0x80, 0x00}} // padded u32, 5 bytes: allowed
	if v, err := r.u32(); err != nil || v != 0 {
		t.Errorf("padded u32: %d %v", v, err)
	}
}
