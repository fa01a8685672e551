package meter

import (
	"bytes"
	"errors"
	"fmt"
)

// Section ids (WebAssembly 2.0).
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
)

// sectionRank is the position a section must appear at (data count sits
// between element and code); 0 for unknown ids.
var sectionRank = [...]int{
	secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5,
	secGlobal: 6, secExport: 7, secStart: 8, secElement: 9, secDataCount: 10,
	secCode: 11, secData: 12,
}

var header = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// section is one section of a module; body is a view of the input.
type section struct {
	id   byte
	body []byte
}

// splitSections checks the header and section framing and order.
func splitSections(wasm []byte) ([]section, error) {
	if len(wasm) < len(header) || !bytes.Equal(wasm[:len(header)], header) {
		return nil, errors.New("not a WebAssembly 1.0/2.0 binary (bad magic or version)")
	}
	r := reader{b: wasm, off: len(header)}
	var secs []section
	last := 0
	for !r.done() {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		n, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		body, err := r.bytes(n)
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		if id != secCustom {
			if int(id) >= len(sectionRank) || sectionRank[id] == 0 {
				return nil, fmt.Errorf("unknown section id %d", id)
			}
			if sectionRank[id] <= last {
				return nil, fmt.Errorf("section %d out of order or repeated", id)
			}
			last = sectionRank[id]
		}
		secs = append(secs, section{id: id, body: body})
	}
	return secs, nil
}

// appendSection appends a section with its id and size.
func appendSection(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = appendU(out, uint64(len(body)))
	return append(out, body...)
}
