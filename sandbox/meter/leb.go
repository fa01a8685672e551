package meter

import "errors"

var (
	errEOF      = errors.New("unexpected end of input")
	errLEB      = errors.New("malformed LEB128 integer")
	errTooLarge = errors.New("length larger than the input")
)

// reader reads the WebAssembly binary encoding from b, starting at off.
type reader struct {
	b   []byte
	off int
}

func (r *reader) done() bool { return r.off >= len(r.b) }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errEOF
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

// bytes returns the next n bytes (a view of the input).
func (r *reader) bytes(n uint32) ([]byte, error) {
	if uint64(n) > uint64(len(r.b)-r.off) {
		return nil, errTooLarge
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

// vec reads a vector length, refusing one that cannot fit in what is left
// (every element takes at least one byte), so callers never allocate for a
// forged length.
func (r *reader) vec() (uint32, error) {
	n, err := r.u32()
	if err == nil && uint64(n) > uint64(len(r.b)-r.off) {
		return 0, errTooLarge
	}
	return n, err
}

// name reads a length-prefixed byte string.
func (r *reader) name() ([]byte, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	return r.bytes(n)
}

func (r *reader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

// uleb reads an unsigned LEB128 integer of at most bits bits, as the spec
// bounds it: at most ceil(bits/7) bytes, unused bits of the last one zero.
func (r *reader) uleb(bits uint) (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if left := bits - shift; left <= 7 {
			if c&0x80 != 0 || uint64(c)>>left != 0 {
				return 0, errLEB
			}
			return v | uint64(c)<<shift, nil
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
}

// sleb reads a signed LEB128 integer of at most bits bits (32, 33 or 64).
func (r *reader) sleb(bits uint) (int64, error) {
	var v int64
	for shift := uint(0); ; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if left := bits - shift; left <= 7 {
			// The last byte: its bits above the value's top bit must all
			// repeat the sign.
			x := int64(int8(c<<1) >> 1)
			if c&0x80 != 0 || (x>>(left-1) != 0 && x>>(left-1) != -1) {
				return 0, errLEB
			}
			return v | x<<shift, nil
		}
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			if c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v, nil
		}
	}
}

func appendU(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendS(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// appendName appends a length-prefixed byte string.
func appendName(b []byte, s []byte) []byte {
	return append(appendU(b, uint64(len(s))), s...)
}
