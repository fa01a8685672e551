package gojinn

import (
	"encoding/binary"
	"fmt"
)

// decodeKeyPage reads one page of kv_keys (docs/host-abi.md): a u32 count,
// then per key a u32 length and its bytes, then a u32 flag, 1 when more
// keys follow. A page that does not parse exactly is ErrIO; so is a page
// saying more keys follow after none (asking again would loop forever).
func decodeKeyPage(page []byte) (keys []string, more bool, err error) {
	rest := page
	u32 := func() (uint32, bool) {
		if len(rest) < 4 {
			return 0, false
		}
		v := binary.LittleEndian.Uint32(rest)
		rest = rest[4:]
		return v, true
	}
	count, ok := u32()
	if !ok || uint64(count)*4 > uint64(len(rest)) {
		return nil, false, fmt.Errorf("malformed key page (count): %w", ErrIO)
	}
	keys = make([]string, 0, count)
	for range count {
		n, ok := u32()
		if !ok || uint64(n) > uint64(len(rest)) {
			return nil, false, fmt.Errorf("malformed key page (key %d): %w", len(keys), ErrIO)
		}
		keys = append(keys, string(rest[:n]))
		rest = rest[n:]
	}
	flag, ok := u32()
	if !ok || len(rest) != 0 || flag > 1 || (flag == 1 && count == 0) {
		return nil, false, fmt.Errorf("malformed key page (end): %w", ErrIO)
	}
	return keys, flag == 1, nil
}
