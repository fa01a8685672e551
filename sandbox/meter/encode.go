package meter

import "encoding/binary"

// appendInstr appends the canonical encoding of in (shortest LEB128 forms).
func appendInstr(b []byte, in *Instr) []byte {
	if p := in.Op >> 16; p != 0 {
		b = append(b, byte(p))
		b = appendU(b, uint64(in.Op&0xffff))
	} else {
		b = append(b, byte(in.Op))
	}
	switch k := immOf(in.Op); k {
	case immBlock:
		b = appendS(b, in.Block)
	case immLabel, immFunc, immIndex:
		b = appendU(b, uint64(in.Index))
	case immBrTable:
		b = appendU(b, uint64(len(in.Labels)))
		for _, l := range in.Labels {
			b = appendU(b, uint64(l))
		}
		b = appendU(b, uint64(in.Index))
	case immCallIndirect, immIndex2:
		b = appendU(appendU(b, uint64(in.Index)), uint64(in.Index2))
	case immMemArg, immMemArgLane:
		b = appendU(appendU(b, uint64(in.Align)), uint64(in.Offset))
		if k == immMemArgLane {
			b = append(b, in.Lane)
		}
	case immLane:
		b = append(b, in.Lane)
	case immI32:
		b = appendS(b, int64(int32(in.Value)))
	case immI64:
		b = appendS(b, int64(in.Value))
	case immF32:
		b = binary.LittleEndian.AppendUint32(b, uint32(in.Value))
	case immF64:
		b = binary.LittleEndian.AppendUint64(b, in.Value)
	case immV128:
		b = append(b, in.V128[:]...)
	case immSelectT:
		b = appendName(b, in.Types)
	case immRefType:
		b = append(b, in.RefType)
	}
	return b
}
