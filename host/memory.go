package host

import "github.com/tetratelabs/wazero/api"

// guest is a call's view of the guest: its memory and its arguments.
// Every pointer and length is an i32 read as unsigned, checked against
// the memory before use (docs/host-abi.md, "Bounds"): a range out of it,
// or a guest without memory, is not ok, never a panic.
type guest struct {
	mem   api.Memory
	stack []uint64
	ok    bool // every range checked so far was in bounds
}

func newGuest(mod api.Module, stack []uint64) guest {
	return guest{mem: mod.Memory(), stack: stack, ok: true}
}

// u32 is argument i as an unsigned i32.
func (g *guest) u32(i int) uint32 { return api.DecodeU32(g.stack[i]) }

// bytes is the range given by arguments i (pointer) and i+1 (length): a
// view of the guest's memory, valid until the guest runs again (it may
// grow its memory): copy what is kept.
func (g *guest) bytes(i int) []byte {
	return g.view(g.u32(i), g.u32(i+1))
}

// out checks that n bytes at the address in argument i are in bounds
// and returns the address.
func (g *guest) out(i int, n uint32) uint32 {
	p := g.u32(i)
	g.view(p, n)
	return p
}

func (g *guest) view(ptr, n uint32) []byte {
	if g.mem == nil {
		g.ok = false
		return nil
	}
	b, ok := g.mem.Read(ptr, n)
	g.ok = g.ok && ok
	return b
}

// result writes a variable-size result by the buffer convention: its
// size at lenOut always, itself into (buf, bufCap) only when it fits,
// else StatusBufferTooSmall. Both ranges were checked.
func (g *guest) result(v []byte, buf, bufCap, lenOut uint32) Status {
	g.mem.WriteUint32Le(lenOut, uint32(len(v)))
	if uint64(len(v)) > uint64(bufCap) {
		return StatusBufferTooSmall
	}
	g.mem.Write(buf, v)
	return StatusOK
}
