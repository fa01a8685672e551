package meter

import (
	"encoding/binary"
	"fmt"
)

// Instr is one decoded instruction. Only the fields its opcode's immediate
// shape uses are set.
type Instr struct {
	Op Opcode
	// Block is the block type of block, loop and if, as the s33 it is
	// encoded as: -64 (0x40) for no result, -1..-17 for one value type, a
	// type index when >= 0 (multi-value).
	Block int64
	// Index is the label, function, type, local, global, table, memory,
	// data or element index; for br_table the default label.
	Index uint32
	// Index2 is the second index: call_indirect's table, memory.init's and
	// table.init's destination, memory.copy's and table.copy's source.
	Index2 uint32
	// Align and Offset are a memory instruction's memarg.
	Align, Offset uint32
	// Lane is a SIMD lane index; RefType is ref.null's type byte.
	Lane, RefType byte
	// Value is i32.const (sign-extended) or i64.const; for f32.const and
	// f64.const, the IEEE 754 bits.
	Value uint64
	// V128 is v128.const's value or i8x16.shuffle's lane indices.
	V128 [16]byte
	// Labels are br_table's targets (without the default).
	Labels []uint32
	// Types are select's value types (the typed form, 0x1C).
	Types []byte
}

// decodeError says where in its input an instruction failed to decode.
type decodeError struct {
	off int
	err error
}

func (e *decodeError) Error() string { return fmt.Sprintf("at byte %d: %v", e.off, e.err) }
func (e *decodeError) Unwrap() error { return e.err }

// instr decodes the instruction at r into in, reusing in's slices.
func (r *reader) instr(in *Instr) error {
	start := r.off
	if err := r.decodeInstr(in); err != nil {
		return &decodeError{off: start, err: err}
	}
	return nil
}

func (r *reader) decodeInstr(in *Instr) error {
	b, err := r.byte()
	if err != nil {
		return err
	}
	op := Opcode(b)
	if op == prefixMisc || op == prefixSIMD {
		sub, err := r.u32()
		if err != nil {
			return err
		}
		if sub > 0xffff {
			return fmt.Errorf("unknown opcode %#x %d", b, sub)
		}
		op = op<<16 | Opcode(sub)
	}
	in.Op = op
	switch k := immOf(op); k {
	case immNone:
	case immBlock:
		in.Block, err = r.sleb(33)
		if err == nil && in.Block < 0 && in.Block != -64 && (in.Block < -64 || !isValType(byte(in.Block&0x7f))) {
			err = fmt.Errorf("invalid block type %d", in.Block)
		}
	case immLabel, immFunc, immIndex:
		in.Index, err = r.u32()
	case immBrTable:
		var n uint32
		if n, err = r.vec(); err != nil {
			return err
		}
		in.Labels = in.Labels[:0]
		for ; n > 0 && err == nil; n-- {
			var l uint32
			l, err = r.u32()
			in.Labels = append(in.Labels, l)
		}
		if err == nil {
			in.Index, err = r.u32()
		}
	case immCallIndirect, immIndex2:
		if in.Index, err = r.u32(); err == nil {
			in.Index2, err = r.u32()
		}
	case immMemArg, immMemArgLane:
		if in.Align, err = r.u32(); err == nil {
			in.Offset, err = r.u32()
		}
		if err == nil && k == immMemArgLane {
			in.Lane, err = r.byte()
		}
	case immLane:
		in.Lane, err = r.byte()
	case immI32:
		var v int64
		v, err = r.sleb(32)
		in.Value = uint64(v)
	case immI64:
		var v int64
		v, err = r.sleb(64)
		in.Value = uint64(v)
	case immF32:
		var s []byte
		if s, err = r.bytes(4); err == nil {
			in.Value = uint64(binary.LittleEndian.Uint32(s))
		}
	case immF64:
		var s []byte
		if s, err = r.bytes(8); err == nil {
			in.Value = binary.LittleEndian.Uint64(s)
		}
	case immV128:
		var s []byte
		if s, err = r.bytes(16); err == nil {
			copy(in.V128[:], s)
		}
	case immSelectT:
		var n uint32
		if n, err = r.vec(); err != nil {
			return err
		}
		in.Types = in.Types[:0]
		for ; n > 0 && err == nil; n-- {
			var t byte
			if t, err = r.byte(); err == nil && !isValType(t) {
				err = fmt.Errorf("invalid value type %#x", t)
			}
			in.Types = append(in.Types, t)
		}
	case immRefType:
		in.RefType, err = r.byte()
		if err == nil && in.RefType != 0x70 && in.RefType != 0x6f {
			err = fmt.Errorf("invalid reference type %#x", in.RefType)
		}
	default:
		return fmt.Errorf("unknown opcode %s", op)
	}
	return err
}

// String formats op as its bytes, e.g. "0x6a" or "0xfd 12".
func (op Opcode) String() string {
	if op>>16 == 0 {
		return fmt.Sprintf("%#02x", uint32(op))
	}
	return fmt.Sprintf("%#02x %d", uint32(op>>16), uint32(op&0xffff))
}
