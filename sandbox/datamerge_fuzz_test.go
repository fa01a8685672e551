package sandbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/tetratelabs/wazero"
)

// FuzzMergeDataSegments builds a module from the fuzzer's bytes (memory
// size, data segments at any offset, overlapping, empty, out of bounds,
// passive ones with memory.init, with or without a data count section) and
// requires that wazero instantiates it and its merged form the same way:
// both fail, or both succeed with the same memory.
func FuzzMergeDataSegments(f *testing.F) {
	f.Add([]byte{1, 3, 16, 0, 5, 'h', 'e', 'l', 'l', 'o', 100, 0, 5, 'w', 'o', 'r', 'l', 'd', 102, 0, 4, 'R', 'L', 'D', '!'})
	f.Add([]byte{0, 2, 0xff, 0xff, 3, 1, 2, 3, 0, 0, 1, 9})
	f.Add([]byte{2, 4, 0x80, 0, 0, 0, 0, 10, 0, 0, 0x40, 1, 1, 0xfe, 0xff, 2, 7, 7})
	f.Add([]byte{1, 0x83, 16, 0, 3, 'a', 'b', 'c', 0, 0, 2, 'x', 'y', 8, 0, 1, 'z'})
	ctx := context.Background()
	rt := fuzzRuntime(ctx)
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, spec []byte) {
		wasm, run := fuzzModule(spec)
		merged := mergeDataSegments(wasm)
		want, wantErr := instantiateMemory(ctx, rt, wasm, run)
		got, gotErr := instantiateMemory(ctx, rt, merged, run)
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("module %x: unmerged: %v, merged: %v", wasm, wantErr, gotErr)
		}
		if wantErr == nil && !bytes.Equal(want, got) {
			t.Fatalf("module %x: the merged module's initial memory differs", wasm)
		}
	})
}

// fuzzRuntime is wazero's interpreter: it compiles in microseconds, and data
// segments are applied by code every engine shares.
func fuzzRuntime(ctx context.Context) wazero.Runtime {
	return wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithMemoryLimitPages(64))
}

// instantiateMemory instantiates wasm (running _start when run) and returns
// a copy of its memory.
func instantiateMemory(ctx context.Context, rt wazero.Runtime, wasm []byte, run bool) ([]byte, error) {
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	defer compiled.Close(ctx)
	mc := wazero.NewModuleConfig().WithName("").WithStartFunctions()
	if run {
		mc = mc.WithStartFunctions("_start")
	}
	mod, err := rt.InstantiateModule(ctx, compiled, mc)
	if err != nil {
		return nil, err
	}
	defer mod.Close(ctx)
	return snapshot(mod.Memory()), nil
}

// fuzzModule builds a module from spec: byte 0 chooses the memory's pages
// (0..3) and whether there is a data count section (bit 2); byte 1 the
// number of segments (low 5 bits) and whether _start uses memory.init on
// the last one, made passive (bit 7). Each segment is then: an offset byte
// (x) and a scale byte (offset = x << (scale & 31), as i32, so it may be
// negative), a length byte and that many data bytes (zeros past the end of
// spec).
func fuzzModule(spec []byte) (wasm []byte, run bool) {
	next := func() byte {
		if len(spec) == 0 {
			return 0
		}
		b := spec[0]
		spec = spec[1:]
		return b
	}
	flags, shape := next(), next()
	pages, dataCount := flags&3, flags&4 != 0
	count, passive := int(shape&31), shape&0x80 != 0
	if count == 0 {
		passive = false
	}
	var data []byte
	data = binary.AppendUvarint(data, uint64(count))
	size := 0
	for i := range count {
		offset := int32(uint32(next()) << (next() & 31))
		size = int(next())
		if passive && i == count-1 {
			data = append(data, 0x01)
		} else {
			data = append(data, 0x00, 0x41)
			data = appendSleb32(data, offset)
			data = append(data, 0x0b)
		}
		data = binary.AppendUvarint(data, uint64(size))
		for range size {
			data = append(data, next())
		}
	}
	body := []byte{0x00} // no locals
	if passive {
		// memory.init: copy up to 4 bytes of the passive segment to
		// address 8, then data.drop.
		seg := byte(count - 1)
		body = append(body, 0x41, 8, 0x41, 0, 0x41, byte(min(size, 4)), 0xfc, 0x08, seg, 0x00, 0xfc, 0x09, seg)
		dataCount = true
	}
	body = append(body, 0x0b)

	section := func(m []byte, id byte, payload []byte) []byte {
		m = append(m, id)
		m = binary.AppendUvarint(m, uint64(len(payload)))
		return append(m, payload...)
	}
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = section(m, 1, []byte{1, 0x60, 0, 0})                     // type: () -> ()
	m = section(m, 3, []byte{1, 0})                              // function 0: type 0
	m = section(m, 5, []byte{1, 0, pages})                       // memory: min pages
	m = section(m, 7, append([]byte{1, 6}, "_start\x00\x00"...)) // export _start
	if dataCount {
		m = section(m, 12, binary.AppendUvarint(nil, uint64(count)))
	}
	m = section(m, 10, append(append([]byte{1}, binary.AppendUvarint(nil, uint64(len(body)))...), body...))
	m = section(m, 11, data)
	return m, passive
}

// TestFuzzModule: fuzzModule makes modules that instantiate and that
// mergeDataSegments merges, or leaves alone when they use memory.init.
func TestFuzzModule(t *testing.T) {
	ctx := context.Background()
	rt := fuzzRuntime(ctx)
	defer rt.Close(ctx)
	for _, tc := range []struct {
		spec   []byte
		merged bool
	}{
		{[]byte{1, 3, 16, 0, 5, 'h', 'e', 'l', 'l', 'o', 100, 0, 5, 'w', 'o', 'r', 'l', 'd', 102, 0, 4, 'R', 'L', 'D', '!'}, true},
		{[]byte{5, 2, 1, 15, 2, 'h', 'i', 0, 0, 0}, true}, // a data count section; an empty segment
		{[]byte{1, 0x83, 16, 0, 3, 'a', 'b', 'c', 0, 0, 2, 'x', 'y', 8, 0, 1, 'z'}, false},
	} {
		wasm, run := fuzzModule(tc.spec)
		merged := mergeDataSegments(wasm)
		if !bytes.Equal(merged, wasm) != tc.merged {
			t.Errorf("%x: merged = %v, want %v", tc.spec, !tc.merged, tc.merged)
		}
		mem, err := instantiateMemory(ctx, rt, wasm, run)
		if err != nil || len(mem) != 65536*int(tc.spec[0]&3) {
			t.Errorf("%x: %d bytes of memory, %v", tc.spec, len(mem), err)
		}
	}
}
