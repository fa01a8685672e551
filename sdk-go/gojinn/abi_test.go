package gojinn

import (
	"bytes"
	"slices"
	"testing"
)

// readSized retries with the size the host reports, for as long as the
// result keeps growing, and never returns part of a result.
func TestReadSized(t *testing.T) {
	results := [][]byte{bytes.Repeat([]byte("a"), 10), bytes.Repeat([]byte("b"), 3000), bytes.Repeat([]byte("c"), 70000)}
	var caps []int
	got, st := readSized(make([]byte, 4), func(buf []byte) (uint32, status) {
		caps = append(caps, len(buf))
		// The result grows between calls, as a value written meanwhile.
		return sized(results[min(len(caps)-1, len(results)-1)], buf)
	})
	if st != statusOK || !bytes.Equal(got, results[2]) {
		t.Fatalf("got %d bytes, status %d; want the 70000 c's", len(got), st)
	}
	if want := []int{4, 10, 3000, 70000}; !slices.Equal(caps, want) {
		t.Fatalf("buffer sizes offered %v, want %v", caps, want)
	}

	// A result that fits is read once, into the caller's buffer.
	buf := make([]byte, 64)
	got, st = readSized(buf, func(b []byte) (uint32, status) { return sized([]byte("hi"), b) })
	if st != statusOK || string(got) != "hi" || &got[0] != &buf[0] {
		t.Fatalf("got %q status %d, want \"hi\" in the caller's buffer", got, st)
	}
}

// A host that breaks the size convention is an io_error, not a loop or a
// truncated or overlong result; other statuses pass through.
func TestReadSizedHostErrors(t *testing.T) {
	cases := map[string]struct {
		size uint32
		st   status
		want status
	}{
		"too small for a size that fits": {8, statusBufferTooSmall, statusIOError},
		"ok with more than the buffer":   {9, statusOK, statusIOError},
		"not found":                      {0, statusNotFound, statusNotFound},
		"denied":                         {0, statusDenied, statusDenied},
	}
	for name, tc := range cases {
		calls := 0
		got, st := readSized(make([]byte, 8), func([]byte) (uint32, status) {
			calls++
			return tc.size, tc.st
		})
		if st != tc.want || got != nil || calls != 1 {
			t.Errorf("%s: got %q status %d after %d calls, want status %d after 1", name, got, st, calls, tc.want)
		}
	}
}
