package meter

// How the code after an end is reached.
const (
	joinNone  = iota // only by falling through from just before: the run goes on
	joinSplit        // also from elsewhere: a new run starts
	joinFold         // only by the false edge of its if (no else, a then that never falls through)
)

// frame is an open block, loop or if (else) while a body is decoded.
type frame struct {
	op        Opcode // block, loop, if, or else once the if has reached it
	start     int    // the step that opened it
	targeted  bool   // a branch targets its label
	thenFalls bool   // for else: whether the then branch can fall through
}

// fold moves the cost of the run after a joinFold end into the run that
// holds its if, refunding it at the start of the then branch (which never
// reaches it).
type fold struct{ post, ifRun, thenRun int }

// target marks the frame a branch of label depth depth lands at.
func (m *rewrite) target(depth uint32) {
	if int(depth) < len(m.ctl) {
		m.ctl[len(m.ctl)-1-int(depth)].targeted = true
	}
}

// fallsThrough reports whether the code decoded so far can reach the next
// instruction by falling through: not after br, br_table, return or
// unreachable.
func (m *rewrite) fallsThrough() bool {
	if len(m.steps) == 0 {
		return true
	}
	switch m.steps[len(m.steps)-1].op {
	case opBr, opBrTable, opReturn, opUnreachable:
		return false
	}
	return true
}

// joinAt says how the code after the end of f is reached, and for a fold
// the if's step.
func (m *rewrite) joinAt(f frame) (uint8, int) {
	switch {
	case f.op == opLoop: // branches land at its start, not its end
		return joinNone, 0
	case f.targeted:
		return joinSplit, 0
	case f.op == opBlock:
		return joinNone, 0
	case f.op == opElse && !f.thenFalls: // only the else branch falls through
		return joinNone, 0
	case f.op == opIf && !m.fallsThrough(): // only the if's false edge
		return joinFold, f.start
	}
	return joinSplit, 0
}

// plan splits the body into straight-line runs and sums their costs. A run
// starts at the function's entry, after every instruction that may branch
// (if, else, br, br_if, br_table, return, unreachable) and where branches
// land (after loop, and after the end of a block or if that a branch
// targets or where two paths meet). The entry (when the function may
// recurse) and loop headers also check.
//
// The code after an if without else whose then branch never falls
// through (an early return) is reached from one place only: its cost is charged with the run that
// holds the if, and refunded at the start of the then branch, so that
// both paths still pay exactly what they execute with one charge fewer.
func (m *rewrite) plan(recursive bool) {
	steps := m.steps
	steps[0].run = runCharge
	if recursive {
		steps[0].run = runCheck
	}
	m.folds = m.folds[:0]
	cur := 0
	for i := range steps {
		s := &steps[i]
		if s.run != runNone {
			cur = i
		}
		steps[cur].cost += costOf(s.op)
		if s.op == opIf {
			s.ifRun = cur
		}
		if i+1 == len(steps) {
			break
		}
		switch s.op {
		case opLoop:
			steps[i+1].run = runCheck
		case opIf, opElse, opBr, opBrIf, opBrTable, opReturn, opUnreachable:
			steps[i+1].run = runCharge
		case opEnd:
			switch s.join {
			case joinSplit:
				steps[i+1].run = runCharge
			case joinFold:
				steps[i+1].run = runCharge
				m.folds = append(m.folds, fold{post: i + 1, ifRun: steps[s.ifStep].ifRun, thenRun: s.ifStep + 1})
			}
		}
	}
	// Last first: a run folded into another must hold what was folded
	// into it before it moves.
	for k := len(m.folds) - 1; k >= 0; k-- {
		f := m.folds[k]
		c := steps[f.post].cost
		steps[f.ifRun].cost += c
		steps[f.thenRun].cost -= c
		steps[f.post].run, steps[f.post].cost = runNone, 0
	}
}
