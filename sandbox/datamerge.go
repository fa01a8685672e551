package sandbox

import (
	"encoding/binary"
	"errors"
)

// mergeDataSegments returns wasm with its active data segments merged into
// one, or wasm itself when that is not certainly equivalent.
//
// Toolchains write many data segments (a standard Go module has ~37,000,
// AssemblyScript one per static string) and wazero applies each one, with a
// constant-expression evaluation and allocations, on every instantiation:
// that was most of a Go guest's instantiation time. One segment holding the
// same bytes, with the gaps between them zero as fresh memory is, gives the
// same initial memory with one copy. It is only done when every segment is
// active, in memory 0, at an i32.const offset, the code cannot use
// memory.init or data.drop (which name segments by index), and the gaps add at most
// maxAddedZeros bytes. (sdk-ts/src/wasm/merge-data.ts does the same at build
// time for AssemblyScript handlers, so other hosts benefit too.)
func mergeDataSegments(wasm []byte) []byte {
	secs, err := wasmSections(wasm)
	if err != nil {
		return wasm
	}
	var data, code *wasmSection
	hasDataCount := false
	for i := range secs {
		switch secs[i].id {
		case sectionData:
			data = &secs[i]
		case sectionCode:
			code = &secs[i]
		case sectionDataCount:
			hasDataCount = true
		}
	}
	// memory.init and data.drop are only valid in a module with a data count
	// section (Go's modules have none); with one, look for their opcodes.
	if data == nil || (hasDataCount && code != nil && mayUseBulkData(wasm[code.start:code.end])) {
		return wasm
	}
	segs, ok := activeSegments(wasm[data.start:data.end])
	if !ok || len(segs) < 2 {
		return wasm
	}
	lo, hi, stored := uint64(segs[0].offset), uint64(0), 0
	for _, s := range segs {
		lo = min(lo, uint64(s.offset))
		hi = max(hi, uint64(s.offset)+uint64(len(s.data)))
		stored += len(s.data)
	}
	if hi-lo-uint64(stored) > maxAddedZeros || hi > 1<<32 {
		return wasm
	}
	merged := make([]byte, hi-lo)
	for _, s := range segs { // later segments win where they overlap, as at instantiation
		copy(merged[uint64(s.offset)-lo:], s.data)
	}
	payload := binary.AppendUvarint(nil, 1)
	payload = append(payload, 0x00, 0x41) // active, memory 0; i32.const
	payload = appendSleb32(payload, int32(uint32(lo)))
	payload = append(payload, 0x0b)
	payload = binary.AppendUvarint(payload, uint64(len(merged)))
	payload = append(payload, merged...)

	out := make([]byte, 0, len(wasm)+len(merged)-stored)
	out = append(out, wasm[:8]...)
	for _, s := range secs {
		body := wasm[s.start:s.end]
		switch s.id {
		case sectionData:
			body = payload
		case sectionDataCount:
			body = []byte{1}
		}
		out = append(out, s.id)
		out = binary.AppendUvarint(out, uint64(len(body)))
		out = append(out, body...)
	}
	return out
}

const (
	sectionCode      = 10
	sectionData      = 11
	sectionDataCount = 12
	maxAddedZeros    = 16 << 20
)

type wasmSection struct {
	id         byte
	start, end int
}

var errMalformed = errors.New("malformed module")

func wasmSections(wasm []byte) ([]wasmSection, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return nil, errMalformed
	}
	var secs []wasmSection
	for pos := 8; pos < len(wasm); {
		id := wasm[pos]
		size, n := binary.Uvarint(wasm[pos+1:])
		if n <= 0 || uint64(len(wasm)-pos-1-n) < size {
			return nil, errMalformed
		}
		start := pos + 1 + n
		secs = append(secs, wasmSection{id: id, start: start, end: start + int(size)})
		pos = start + int(size)
	}
	return secs, nil
}

type dataSegment struct {
	offset uint32
	data   []byte
}

// activeSegments decodes a data section whose segments are all plain active
// ones (memory 0, offset a lone i32.const); ok is false for anything else.
func activeSegments(b []byte) (segs []dataSegment, ok bool) {
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, false
	}
	b = b[n:]
	segs = make([]dataSegment, 0, count)
	for range count {
		if len(b) < 2 || b[0] != 0x00 || b[1] != 0x41 {
			return nil, false
		}
		off, n := sleb32(b[2:])
		if n <= 0 || len(b) < 2+n+1 || b[2+n] != 0x0b {
			return nil, false
		}
		b = b[2+n+1:]
		size, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < size {
			return nil, false
		}
		segs = append(segs, dataSegment{offset: uint32(off), data: b[n : n+int(size)]})
		b = b[n+int(size):]
	}
	return segs, len(b) == 0
}

// sleb32 decodes a signed LEB128 of at most 5 bytes.
func sleb32(b []byte) (int32, int) {
	var result int32
	var shift uint
	for i := 0; i < len(b) && i < 5; i++ {
		c := b[i]
		result |= int32(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 32 && c&0x40 != 0 {
				result |= -1 << shift
			}
			return result, i + 1
		}
	}
	return 0, -1
}

// appendSleb32 appends v as signed LEB128 (binary.AppendVarint is zigzag,
// not LEB128).
func appendSleb32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// mayUseBulkData tells whether code may contain memory.init or data.drop
// (0xfc 0x08 / 0xfc 0x09). A byte search can only err on the safe side.
func mayUseBulkData(code []byte) bool {
	for i := 0; i+1 < len(code); i++ {
		if code[i] == 0xfc && (code[i+1] == 0x08 || code[i+1] == 0x09) {
			return true
		}
	}
	return false
}
