package sandbox

import (
	"math/bits"
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// linearMemory recycles the backing arrays of guests' linear memories.
//
// A fresh instance needs fresh memory: all zeros, nothing of any other run.
// Allocating it with make costs a large object per request, and the garbage
// collector's work for it dominated a small invocation (docs/benchmarks.md).
// So buffers are kept in size classes and reused, and every buffer is zeroed
// as it is given back, when its instance closes: what an instance sees is
// always zeroed memory, exactly as if it had just been allocated.
var linearMemory experimental.MemoryAllocator = experimental.MemoryAllocatorFunc(allocateMemory)

// Size classes are powers of two from 1 page; larger memories are not recycled.
const (
	maxClass      = 8 // 256 pages: 16 MiB
	notRecyclable = -1
)

var memoryClasses [maxClass + 1]sync.Pool

// classFor is the smallest class that holds n bytes, or notRecyclable.
func classFor(n uint64) int {
	pages := (n + PageSize - 1) / PageSize
	if pages <= 1 {
		return 0
	}
	c := bits.Len64(pages - 1)
	if c > maxClass {
		return notRecyclable
	}
	return c
}

// getBuffer returns a zeroed buffer of capacity n or more (its class's
// size), and the pointer it was kept in (nil for a new one), which
// putBuffer reuses: keeping a buffer then allocates nothing.
func getBuffer(n uint64) ([]byte, *[]byte) {
	c := classFor(n)
	if c == notRecyclable {
		return make([]byte, 0, n), nil
	}
	if b, ok := memoryClasses[c].Get().(*[]byte); ok {
		return (*b)[:0], b
	}
	return make([]byte, 0, PageSize<<c), nil
}

// putBuffer zeroes the used part of b (the rest was never written) and
// keeps it for another instance, in box when not nil.
func putBuffer(b []byte, box *[]byte) {
	c := classFor(uint64(cap(b)))
	if c == notRecyclable || cap(b) != PageSize<<c {
		return
	}
	clear(b)
	if box == nil {
		box = new([]byte)
	}
	*box = b[:0]
	memoryClasses[c].Put(box)
}

// recycledMemory is one instance's linear memory.
type recycledMemory struct {
	buf     []byte
	box     *[]byte // where buf was kept; nil if it was not
	maximum uint64  // the most it may grow to, in bytes
}

// minCapacity is the least capacity given to an instance, so that the few
// pages most guests grow by need no copy.
const minCapacity = 16 * PageSize

func allocateMemory(capacity, maximum uint64) experimental.LinearMemory {
	buf, box := getBuffer(min(max(capacity, minCapacity), maximum))
	return &recycledMemory{buf: buf, box: box, maximum: maximum}
}

// Reallocate grows the memory to size bytes; new bytes are zero.
//
// Up to the largest size class growth is amortised by the classes (powers
// of two). Past it, buffers are allocated for the instance alone, and
// growing to exactly the size asked would copy the whole memory on every
// memory.grow: quadratic in the final size (to 128 MB in 4 MiB steps, 29
// copies and 1.7 GiB). So a large memory at least doubles its capacity,
// up to its maximum, as append does: each byte is copied O(1) times.
func (m *recycledMemory) Reallocate(size uint64) []byte {
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	capacity := size
	if classFor(size) == notRecyclable {
		capacity = max(size, min(2*uint64(cap(m.buf)), m.maximum))
	}
	grown, box := getBuffer(capacity)
	grown = grown[:size]
	copy(grown, m.buf)
	putBuffer(m.buf, m.box)
	m.buf, m.box = grown, box
	return m.buf
}

// Free zeroes the memory and recycles it: its instance is closed.
func (m *recycledMemory) Free() {
	putBuffer(m.buf, m.box)
	m.buf, m.box = nil, nil
}
