package sandbox

import (
	"bytes"
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gojinn/gojinn/internal/testguest"
)

// initialMemory instantiates wasm without running it and returns its memory
// and how many data segments it has.
func initialMemory(t *testing.T, wasm []byte, run bool) []byte {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithMemoryLimitPages(65536))
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mc := wazero.NewModuleConfig().WithStartFunctions()
	if run {
		mc = wazero.NewModuleConfig()
	}
	mod, err := rt.InstantiateWithConfig(ctx, wasm, mc)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot(mod.Memory())
}

func snapshot(m api.Memory) []byte {
	b, _ := m.Read(0, m.Size())
	return bytes.Clone(b)
}

func TestMergeDataSegmentsKeepsMemory(t *testing.T) {
	cases := []struct {
		name   string
		wasm   []byte
		merged bool
		run    bool
	}{
		{"segments", testguest.Read(t, testguest.WAT(t, "segments")), true, false},
		{"go", testguest.Read(t, testguest.Go(t, "examples/hello-go")), true, false},
		{"passive", testguest.Read(t, testguest.WAT(t, "passive")), false, true},
		{"one segment", testguest.Read(t, testguest.WAT(t, "ok")), false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := mergeDataSegments(tc.wasm)
			if merged := !bytes.Equal(out, tc.wasm); merged != tc.merged {
				t.Fatalf("merged = %v, want %v", merged, tc.merged)
			}
			if !bytes.Equal(initialMemory(t, tc.wasm, tc.run), initialMemory(t, out, tc.run)) {
				t.Fatal("the merged module's initial memory differs")
			}
		})
	}
}

func TestMergeDataSegmentsMalformed(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("\x00asm"), []byte("\x00asm\x01\x00\x00\x00\x0b\xff"), []byte("garbage")} {
		if out := mergeDataSegments(b); !bytes.Equal(out, b) {
			t.Errorf("%q was changed", b)
		}
	}
}
