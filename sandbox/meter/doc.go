// Package meter rewrites a WebAssembly module so that it meters its own
// execution: a deterministic fuel count, and a cheap way for the host to
// stop a guest (deadline, cancellation, output cap, fuel limit) without
// wazero's termination checks at every loop back-edge.
//
// # What Instrument adds
//
//   - A mutable i64 global, the counter, exported as [FuelExport]: what is
//     left of the fuel handed out so far. It starts at 0.
//   - A function import [ImportModule].[RefuelImport] of type (i64) -> i64,
//     appended after the module's own imports. Every function defined in
//     the module therefore moves up one index, and calls, ref.func,
//     element segments (all eight forms), global initialisers, exports,
//     the start function and the name section's function, local and label
//     maps are renumbered.
//   - At the start of every straight-line run of code, the run's cost is
//     subtracted from the counter (global.get, i64.const, i64.sub,
//     global.set). A run starts at function entry, after every instruction
//     that may branch (if, else, br, br_if, br_table, return, unreachable)
//     and where branches land (after loop, after the end of a block or if
//     that a branch targets or where two paths meet). The code after an if
//     whose then branch never falls through is charged with the if's run
//     and refunded at the start of the then branch.
//   - At loop headers, and at the entry of functions that call a function
//     of the module (directly or through a table), the counter is then
//     tested: below zero, the code calls refuel with it and stores what
//     refuel returns. Only cycles (loops, recursion) can run unboundedly,
//     and every cycle passes such a check, so a guest cannot run without
//     reaching its host for longer than its straight-line code takes.
//
// # Units
//
// One unit of fuel is one executed instruction, counting every
// instruction except the structural markers block, loop, else, end and
// nop, which execute nothing of their own. A call costs 1 in the caller
// (and its callee's body its own instructions); an imported (host)
// function's work is not metered. Bulk instructions add their length:
// memory.fill, memory.copy and memory.init one unit per 64 bytes (rounded
// down), table.fill, table.copy and table.init one per element, charged
// from the length operand just before they run (through one added i32
// local in the functions that use them). memory.grow costs 1.
//
// A run is charged in full when it starts: an instruction after a trap or
// a call that does not return (proc_exit) in the same run has been
// charged. Fuel used therefore depends only on the module and on what the
// guest computes, never on the machine, its load or the slice size: the
// same request to the same module always uses the same fuel.
//
// # Host
//
// The host provides the refuel import (a [Budget] does the accounting),
// may stop the run from it by trapping, and reads the exported counter
// after the run: fuel used = fuel handed out − counter ([Budget.Consumed]).
//
// # What is kept
//
// Instructions, types, tables, memories, data and every other index are
// unchanged (a local is only ever appended). Custom sections: "name" is rewritten, "producers"
// and "target_features" kept; the others (DWARF, source maps, unknown
// ones) are dropped, since code offsets and function indices change.
//
// # Why a decoder of its own
//
// The rewriter must decode every WebAssembly 2.0 instruction (0xFC, 0xFD
// SIMD, multi-value block types, reference types). No maintained Go
// library does: tetratelabs/wabin, the closest, decodes module structure
// but keeps function bodies as bytes, and the package must build for
// GOOS=wasip1 (the SDK runs the same code, cmd/gojinn-meter) with the
// standard library only. The decoder is table-driven (opcodes.go) and
// tested per instruction class against wat2wasm's encoding.
package meter
