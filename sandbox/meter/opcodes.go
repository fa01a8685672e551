package meter

// Opcode identifies an instruction: the opcode byte, or for the prefixed
// instructions the prefix (0xFC, 0xFD) shifted left by 16 bits, or'ed with
// the sub-opcode (a LEB128 u32 in the binary).
type Opcode uint32

// The opcodes the rewriter treats specially; the others are only decoded
// and copied.
const (
	opUnreachable   Opcode = 0x00
	opNop           Opcode = 0x01
	opBlock         Opcode = 0x02
	opLoop          Opcode = 0x03
	opIf            Opcode = 0x04
	opElse          Opcode = 0x05
	opEnd           Opcode = 0x0b
	opBr            Opcode = 0x0c
	opBrIf          Opcode = 0x0d
	opBrTable       Opcode = 0x0e
	opReturn        Opcode = 0x0f
	opCall          Opcode = 0x10
	opCallIndirect  Opcode = 0x11
	opLocalGet      Opcode = 0x20
	opLocalTee      Opcode = 0x22
	opGlobalGet     Opcode = 0x23
	opGlobalSet     Opcode = 0x24
	opI64Const      Opcode = 0x42
	opI64LtS        Opcode = 0x53
	opI64Sub        Opcode = 0x7d
	opI64ShrU       Opcode = 0x88
	opI64ExtendI32U Opcode = 0xad
	opRefFunc       Opcode = 0xd2

	prefixMisc Opcode = 0xfc
	prefixSIMD Opcode = 0xfd
)

// imm is the shape of an instruction's immediates.
type imm uint8

const (
	immInvalid      imm = iota // not a WebAssembly 2.0 opcode
	immNone                    // no immediate
	immBlock                   // block type (s33)
	immLabel                   // label index
	immBrTable                 // vec(label) label
	immFunc                    // function index
	immCallIndirect            // type index, table index
	immIndex                   // one u32 index (local, global, table, memory, data, elem)
	immIndex2                  // two u32 indices (memory.init, memory.copy, table.init, table.copy)
	immMemArg                  // align, offset
	immMemArgLane              // align, offset, lane byte
	immI32                     // s32
	immI64                     // s64
	immF32                     // 4 bytes
	immF64                     // 8 bytes
	immSelectT                 // vec(value type)
	immRefType                 // reference type byte
	immV128                    // 16 bytes (v128.const, i8x16.shuffle's lanes)
	immLane                    // lane index byte
)

// plainOps are the one-byte opcodes (0xFC and 0xFD are prefixes, in their
// own tables).
var plainOps = func() (t [256]imm) {
	set := func(from, to int, k imm) {
		for op := from; op <= to; op++ {
			t[op] = k
		}
	}
	set(0x00, 0x01, immNone) // unreachable, nop
	set(0x02, 0x04, immBlock)
	set(0x05, 0x05, immNone) // else
	set(0x0b, 0x0b, immNone) // end
	set(0x0c, 0x0d, immLabel)
	t[0x0e] = immBrTable
	t[0x0f] = immNone // return
	t[0x10] = immFunc
	t[0x11] = immCallIndirect
	set(0x1a, 0x1b, immNone) // drop, select
	t[0x1c] = immSelectT
	set(0x20, 0x26, immIndex) // local.*, global.*, table.get/set
	set(0x28, 0x3e, immMemArg)
	set(0x3f, 0x40, immIndex) // memory.size/grow
	t[0x41] = immI32
	t[0x42] = immI64
	t[0x43] = immF32
	t[0x44] = immF64
	set(0x45, 0xc4, immNone) // numeric, incl. sign extension
	t[0xd0] = immRefType
	t[0xd1] = immNone
	t[0xd2] = immFunc
	return t
}()

// miscOps are the 0xFC sub-opcodes: saturating truncation, bulk memory,
// table operations.
var miscOps = [...]imm{
	0: immNone, 1: immNone, 2: immNone, 3: immNone, // i32.trunc_sat_*
	4: immNone, 5: immNone, 6: immNone, 7: immNone, // i64.trunc_sat_*
	8:  immIndex2, // memory.init data mem
	9:  immIndex,  // data.drop
	10: immIndex2, // memory.copy mem mem
	11: immIndex,  // memory.fill mem
	12: immIndex2, // table.init elem table
	13: immIndex,  // elem.drop
	14: immIndex2, // table.copy table table
	15: immIndex,  // table.grow
	16: immIndex,  // table.size
	17: immIndex,  // table.fill
}

// simdOps are the 0xFD sub-opcodes of fixed-width SIMD (WebAssembly 2.0;
// relaxed SIMD is not part of it).
var simdOps = func() (t [256]imm) {
	for op := range t {
		t[op] = immNone
	}
	for op := 0x00; op <= 0x0b; op++ {
		t[op] = immMemArg // v128.load*, v128.store
	}
	t[0x0c] = immV128 // v128.const
	t[0x0d] = immV128 // i8x16.shuffle
	for op := 0x15; op <= 0x22; op++ {
		t[op] = immLane // extract_lane / replace_lane
	}
	for op := 0x54; op <= 0x5b; op++ {
		t[op] = immMemArgLane // v128.load*_lane, v128.store*_lane
	}
	t[0x5c] = immMemArg // v128.load32_zero
	t[0x5d] = immMemArg // v128.load64_zero
	for _, op := range []int{
		0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb,
		0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee,
	} {
		t[op] = immInvalid // unassigned
	}
	return t
}()

// immOf returns the immediate shape of op.
func immOf(op Opcode) imm {
	switch op >> 16 {
	case 0:
		if op < 0x100 && op != prefixMisc && op != prefixSIMD {
			return plainOps[op]
		}
	case prefixMisc:
		if sub := op & 0xffff; int(sub) < len(miscOps) {
			return miscOps[sub]
		}
	case prefixSIMD:
		if sub := op & 0xffff; sub < 0x100 {
			return simdOps[sub]
		}
	}
	return immInvalid
}

// isValType reports whether b encodes a value type.
func isValType(b byte) bool {
	switch b {
	case 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f: // i32 i64 f32 f64 v128 funcref externref
		return true
	}
	return false
}
