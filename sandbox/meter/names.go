package meter

// The name section's subsections that are keyed by function index.
const (
	nameFunctions = 1 // namemap: function index -> name
	nameLocals    = 2 // indirect namemap: function index -> (local -> name)
	nameLabels    = 3 // indirect namemap: function index -> (label -> name)
)

// names rewrites the "name" custom section (head is its name, already
// read): function indices in the function, local and label name maps are
// renumbered; the other subsections (module, types, tables, memories,
// globals, elements, data) hold no function index and are copied. A
// malformed name section is an error, and the caller drops it: names are
// only for debugging.
func (m *rewrite) names(head []byte, r *reader) ([]byte, error) {
	out := append([]byte(nil), head...)
	for !r.done() {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		body, err := r.name()
		if err != nil {
			return nil, err
		}
		switch id {
		case nameFunctions, nameLocals, nameLabels:
			if body, err = m.nameMap(body, id != nameFunctions); err != nil {
				return nil, err
			}
		}
		out = appendName(append(out, id), body)
	}
	return out, nil
}

// nameMap renumbers the function indices of a (indirect, when nested)
// name map.
func (m *rewrite) nameMap(body []byte, nested bool) ([]byte, error) {
	r := reader{b: body}
	n, err := r.vec()
	if err != nil {
		return nil, err
	}
	out := appendU(nil, uint64(n))
	for ; n > 0; n-- {
		i, err := r.u32()
		if err != nil {
			return nil, err
		}
		if i, err = m.fn(i); err != nil {
			return nil, err
		}
		out = appendU(out, uint64(i))
		start := r.off
		if nested {
			k, err := r.vec()
			if err != nil {
				return nil, err
			}
			for ; k > 0; k-- {
				if _, err := r.u32(); err != nil {
					return nil, err
				}
				if _, err := r.name(); err != nil {
					return nil, err
				}
			}
		} else if _, err := r.name(); err != nil {
			return nil, err
		}
		out = append(out, r.b[start:r.off]...)
	}
	return out, nil
}
