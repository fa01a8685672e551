package meter

import (
	"errors"
	"fmt"
)

// elements renumbers the function indices of every element segment, in all
// eight encodings (flags bit 0: passive or declarative; bit 1: explicit
// table index, or declarative; bit 2: expressions instead of indices).
func (m *rewrite) elements(r *reader) ([]byte, error) {
	n, err := r.vec()
	if err != nil {
		return nil, err
	}
	out := appendU(nil, uint64(n))
	for ; n > 0; n-- {
		flags, err := r.u32()
		if err != nil {
			return nil, err
		}
		if flags > 7 {
			return nil, fmt.Errorf("invalid element segment flags %d", flags)
		}
		out = appendU(out, uint64(flags))
		if flags&1 == 0 { // active
			if flags&2 != 0 {
				t, err := r.u32()
				if err != nil {
					return nil, err
				}
				out = appendU(out, uint64(t))
			}
			if out, err = m.constExpr(r, out); err != nil {
				return nil, err
			}
		}
		if flags&3 != 0 { // elemkind (0x00) or reftype
			k, err := r.byte()
			if err != nil {
				return nil, err
			}
			out = append(out, k)
		}
		if out, err = m.elementItems(r, out, flags&4 != 0); err != nil {
			return nil, err
		}
	}
	if !r.done() {
		return nil, errors.New("bytes after the last element segment")
	}
	return out, nil
}

func (m *rewrite) elementItems(r *reader, out []byte, exprs bool) ([]byte, error) {
	n, err := r.vec()
	if err != nil {
		return nil, err
	}
	out = appendU(out, uint64(n))
	for ; n > 0; n-- {
		if exprs {
			if out, err = m.constExpr(r, out); err != nil {
				return nil, err
			}
			continue
		}
		i, err := r.u32()
		if err != nil {
			return nil, err
		}
		if i, err = m.fn(i); err != nil {
			return nil, err
		}
		out = appendU(out, uint64(i))
	}
	return out, nil
}
