package gojinn

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

func TestDecodeKeyPage(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		more bool
	}{
		{nil, false},
		{[]string{"a"}, false},
		{[]string{"a", "", "ключ", "b/c"}, true},
	} {
		keys, more, err := decodeKeyPage(encodeKeyPage(tc.keys, tc.more))
		if err != nil || more != tc.more || !slices.Equal(keys, tc.keys) {
			t.Errorf("page %q more %v: got %q %v %v", tc.keys, tc.more, keys, more, err)
		}
	}
}

// A page that does not parse exactly is ErrIO, never a panic, a partial
// list or an endless listing.
func TestDecodeKeyPageMalformed(t *testing.T) {
	u32 := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		return b
	}
	good := encodeKeyPage([]string{"ab"}, false)
	cases := map[string][]byte{
		"empty":                 nil,
		"count only":            u32(0),
		"count past the end":    u32(1 << 30),
		"key past the end":      append(u32(1, 9), "ab"...),
		"missing flag":          good[:len(good)-4],
		"trailing bytes":        append(slices.Clone(good), 0),
		"flag 2":                append(good[:len(good)-4:len(good)-4], u32(2)...),
		"more after no keys":    u32(0, 1),
		"truncated length word": append(u32(1), 0, 0),
	}
	for name, page := range cases {
		if keys, more, err := decodeKeyPage(page); !errors.Is(err, ErrIO) {
			t.Errorf("%s: got %q %v %v, want ErrIO", name, keys, more, err)
		}
	}
}
