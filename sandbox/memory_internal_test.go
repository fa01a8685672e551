package sandbox

import "testing"

// Growing a large memory copies it O(log n) times, not once per growth:
// to the default 128MB limit in 4 MiB steps, the buffer moves at most a
// handful of times (it moved 29 times when each growth reallocated to the
// exact size), and never past the maximum.
func TestLargeMemoryGrowsAmortised(t *testing.T) {
	maximum := uint64(PagesFor(DefaultMemoryLimit)) * PageSize
	mem := allocateMemory(PageSize, maximum)
	buf := mem.Reallocate(PageSize)
	moves := 0
	for size := uint64(PageSize) + 4<<20; size <= maximum; size += 4 << 20 {
		grown := mem.Reallocate(size)
		if uint64(len(grown)) != size || uint64(cap(grown)) > maximum {
			t.Fatalf("grown to %d: len %d cap %d (maximum %d)", size, len(grown), cap(grown), maximum)
		}
		if &grown[0] != &buf[0] {
			moves++
		}
		grown[size-1] = 1
		buf = grown
	}
	if moves > 8 {
		t.Fatalf("growing to %d bytes in 4 MiB steps moved the memory %d times", maximum, moves)
	}
	mem.Free()
}
