package meter

import (
	"errors"
	"fmt"
	"math"
)

// How a straight-line run of code begins.
const (
	runNone   = iota // the step continues the current run
	runCharge        // subtract the run's cost from the counter
	runCheck         // subtract, then refuel if the counter went below zero
)

// step is one instruction of a function body as the rewriter sees it.
type step struct {
	start, end int    // its bytes in the body
	op         Opcode // opcode
	fn         uint32 // call and ref.func: the renumbered function index
	run        uint8  // runNone, runCharge, runCheck
	cost       int64  // when run != runNone: the run's cost (may be negative, see plan)
	join       uint8  // for end: joinNone, joinSplit, joinFold
	ifStep     int    // for an end with joinFold: its if's step
	ifRun      int    // for if: the run it is in
}

// costOf is an instruction's cost in fuel units: 1, except for the
// structural markers that execute no operation of their own (block, loop,
// else, end, nop), which cost 0. Every cycle contains a branch or a call,
// so every loop iteration and every recursive call costs at least 1.
func costOf(op Opcode) int64 {
	switch op {
	case opBlock, opLoop, opElse, opEnd, opNop:
		return 0
	}
	return 1
}

// snippets encodes the code inserted at run starts.
func (m *rewrite) snippets() {
	g := appendU(nil, uint64(m.fuel))
	get := append([]byte{byte(opGlobalGet)}, g...)
	set := append([]byte{byte(opGlobalSet)}, g...)
	// global.get $fuel; i64.const <cost>; i64.sub; global.set $fuel
	m.chargeHead = append(append([]byte(nil), get...), byte(opI64Const))
	m.chargeTail = append([]byte{byte(opI64Sub)}, set...)
	// (if (i64.lt_s (global.get $fuel) (i64.const 0))
	//   (then (global.set $fuel (call $refuel (global.get $fuel)))))
	c := append([]byte(nil), get...)
	c = append(c, byte(opI64Const), 0x00, byte(opI64LtS), byte(opIf), 0x40)
	c = append(c, get...)
	c = appendU(append(c, byte(opCall)), uint64(m.refuel))
	c = append(c, set...)
	m.check = append(c, byte(opEnd))
}

// code instruments every function body of the code section.
func (m *rewrite) code(r *reader) ([]byte, error) {
	n, err := r.vec()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(r.b)+len(r.b)/4)
	out = appendU(out, uint64(n))
	for i := uint32(0); i < n; i++ {
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes(size)
		if err != nil {
			return nil, err
		}
		if int(i) >= len(m.funcParams) {
			return nil, errors.New("more function bodies than functions")
		}
		if err := m.function(body, m.funcParams[i]); err != nil {
			return nil, fmt.Errorf("function %d: %w", m.importedFuncs+i, err)
		}
		out = appendU(out, uint64(len(m.buf)))
		out = append(out, m.buf...)
	}
	if !r.done() {
		return nil, errors.New("bytes after the last function body")
	}
	return out, nil
}

// function instruments one body into m.buf; params is the function's
// parameter count.
func (m *rewrite) function(body []byte, params uint32) error {
	r := reader{b: body}
	entries, err := r.vec()
	if err != nil {
		return err
	}
	entriesStart := r.off
	locals := uint64(params)
	for i := entries; i > 0; i-- {
		n, err := r.u32()
		if err != nil {
			return err
		}
		t, err := r.byte()
		if err != nil {
			return err
		}
		if !isValType(t) {
			return fmt.Errorf("invalid local type %#x", t)
		}
		locals += uint64(n)
	}
	localsEnd := r.off
	recursive, bulk, err := m.decodeBody(&r)
	if err != nil {
		return err
	}
	m.plan(recursive)

	m.buf = m.buf[:0]
	from := 0
	var scratch uint32
	if bulk {
		// One more i32 local, after all the others: the length operand of
		// bulk instructions, charged per byte or element.
		if locals >= math.MaxUint32 {
			return errors.New("too many locals")
		}
		scratch = uint32(locals)
		m.buf = appendU(m.buf, uint64(entries)+1)
		m.buf = append(m.buf, body[entriesStart:localsEnd]...)
		m.buf = append(m.buf, 1, 0x7f)
		from = localsEnd
	}
	// Unchanged instructions are copied in stretches, up to the next
	// insertion or renumbered index.
	for i := range m.steps {
		s := &m.steps[i]
		per := perUnit(s.op)
		if s.run == runNone && s.op != opCall && s.op != opRefFunc && per == 0 {
			continue
		}
		m.buf = append(m.buf, body[from:s.start]...)
		from = s.start
		if s.run != runNone {
			if s.cost != 0 {
				m.buf = append(m.buf, m.chargeHead...)
				m.buf = appendS(m.buf, s.cost)
				m.buf = append(m.buf, m.chargeTail...)
			}
			if s.run == runCheck {
				m.buf = append(m.buf, m.check...)
			}
		}
		switch {
		case s.op == opCall || s.op == opRefFunc:
			m.buf = appendU(append(m.buf, byte(s.op)), uint64(s.fn))
			from = s.end
		case per != 0:
			m.buf = m.chargeLength(m.buf, scratch, per)
		}
	}
	m.buf = append(m.buf, body[from:]...)
	return nil
}

// perUnit is how many bytes or elements of a bulk instruction's length
// operand cost one unit of fuel beyond the instruction's own: 64 bytes
// for memory.init, memory.copy and memory.fill, one element for
// table.init, table.copy and table.fill; 0 for other instructions.
func perUnit(op Opcode) uint32 {
	switch op {
	case prefixMisc<<16 | 8, prefixMisc<<16 | 10, prefixMisc<<16 | 11:
		return 64
	case prefixMisc<<16 | 12, prefixMisc<<16 | 14, prefixMisc<<16 | 17:
		return 1
	}
	return 0
}

// chargeLength charges the length operand n, on top of the stack before a
// bulk instruction and kept there:
// local.tee $n; global.get $fuel; local.get $n; i64.extend_i32_u;
// [i64.const 6; i64.shr_u]; i64.sub; global.set $fuel.
func (m *rewrite) chargeLength(b []byte, scratch, per uint32) []byte {
	b = appendU(append(b, byte(opLocalTee)), uint64(scratch))
	b = append(b, m.chargeHead[:len(m.chargeHead)-1]...) // global.get $fuel
	b = appendU(append(b, byte(opLocalGet)), uint64(scratch))
	b = append(b, byte(opI64ExtendI32U))
	if per == 64 {
		b = append(b, byte(opI64Const), 6, byte(opI64ShrU))
	}
	return append(b, m.chargeTail...)
}

// decodeBody decodes the instructions of a body into m.steps. It reports
// whether the function calls a function defined in the module (directly or
// through a table): only such a function can be part of a recursion; and
// whether it has bulk instructions charged by length.
func (m *rewrite) decodeBody(r *reader) (recursive, bulk bool, err error) {
	m.steps, m.ctl = m.steps[:0], m.ctl[:0]
	for {
		start := r.off
		if err := r.instr(&m.in); err != nil {
			return false, false, err
		}
		if perUnit(m.in.Op) != 0 {
			bulk = true
		}
		s := step{start: start, end: r.off, op: m.in.Op}
		switch s.op {
		case opBlock, opLoop, opIf:
			m.ctl = append(m.ctl, frame{op: s.op, start: len(m.steps)})
		case opElse:
			if len(m.ctl) == 0 || m.ctl[len(m.ctl)-1].op != opIf {
				return false, false, fmt.Errorf("at byte %d: else outside if", start)
			}
			f := &m.ctl[len(m.ctl)-1]
			f.op, f.thenFalls = opElse, m.fallsThrough()
		case opEnd:
			if len(m.ctl) == 0 { // the function's end
				m.steps = append(m.steps, s)
				if !r.done() {
					return false, false, fmt.Errorf("at byte %d: code after the function's end", r.off)
				}
				return recursive, bulk, nil
			}
			s.join, s.ifStep = m.joinAt(m.ctl[len(m.ctl)-1])
			m.ctl = m.ctl[:len(m.ctl)-1]
		case opBr, opBrIf:
			m.target(m.in.Index)
		case opBrTable:
			m.target(m.in.Index)
			for _, l := range m.in.Labels {
				m.target(l)
			}
		case opCall, opRefFunc:
			if s.fn, err = m.fn(m.in.Index); err != nil {
				return false, false, fmt.Errorf("at byte %d: %w", start, err)
			}
			if s.op == opCall && m.in.Index >= m.importedFuncs {
				recursive = true
			}
		case opCallIndirect:
			recursive = true
		}
		m.steps = append(m.steps, s)
	}
}
