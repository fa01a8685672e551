/**
 * Turns AssemblyScript's calls through a constant function reference into
 * direct calls, and drops the function table when nothing else needs it.
 *
 * `serve(handle)` passes the handler as a function reference: a static
 * `Function` object holding its table index, and the call is
 * `call_indirect (i32.load (i32.const <object>))`. Binaryen cannot see that
 * the object never changes (it is memory), so the module keeps a table, and
 * wazero builds that table (element segment, function references) at every
 * instantiation: 9 of a hello handler's allocations in the host. AssemblyScript
 * never writes a `Function` object, so the index read here from the module's
 * data is the one the call would read at run time.
 *
 * Only exactly that pattern is rewritten, only when the address is a
 * `Function` object in the data (an object header of size 8 before it), and
 * the target's type is the call's. Anything unexpected (an instruction this
 * reader does not know, an imported or exported table, another kind of
 * element segment) leaves the module unchanged.
 */

import {
  Reader,
  rebuild,
  Section,
  SECTION_CODE,
  SECTION_DATA,
  SECTION_ELEMENT,
  SECTION_EXPORT,
  SECTION_FUNCTION,
  SECTION_IMPORT,
  SECTION_TABLE,
  sections,
  uleb,
} from "./binary.js";

class Unsupported extends Error {}

/** The memory the active data segments give a module at its start. */
class DataImage {
  private segments: { offset: number; data: Uint8Array }[] = [];

  constructor(bytes: Uint8Array, s: Section | undefined) {
    if (!s) return;
    const r = new Reader(bytes, s.start);
    const count = r.leb();
    for (let i = 0; i < count; i++) {
      const flags = r.leb();
      if (flags === 1) {
        r.skipVec(); // passive: not in memory at start
        continue;
      }
      if (flags !== 0 || r.u8() !== 0x41) throw new Unsupported();
      const offset = r.sleb32() >>> 0;
      if (r.u8() !== 0x0b) throw new Unsupported();
      const size = r.leb();
      this.segments.push({ offset, data: bytes.subarray(r.pos, r.pos + size) });
      r.pos += size;
    }
  }

  /** The byte at `addr` when the module starts (0 where no segment writes). */
  private byte(addr: number): number {
    let value = 0;
    // Later segments overwrite earlier ones, as instantiation does.
    for (const s of this.segments) {
      if (addr >= s.offset && addr < s.offset + s.data.length) value = s.data[addr - s.offset]!;
    }
    return value;
  }

  /** The little-endian u32 at `addr` when the module starts. */
  u32(addr: number): number {
    return (this.byte(addr) | (this.byte(addr + 1) << 8) | (this.byte(addr + 2) << 16) | (this.byte(addr + 3) << 24)) >>> 0;
  }
}

// Skips the immediates of the instruction whose opcode was just read.
function skipImmediates(r: Reader, op: number): void {
  if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || op === 0xd1) return;
  if (op >= 0x02 && op <= 0x04) {
    // block type: empty, a value type, or a type index (s33)
    const b = r.bytes[r.pos]!;
    if (b === 0x40 || (b >= 0x6f && b <= 0x7f)) r.pos++;
    else r.skipLeb();
    return;
  }
  if (op === 0x0c || op === 0x0d || op === 0x10 || op === 0x12 || (op >= 0x20 && op <= 0x26) || op === 0xd2) {
    r.leb();
    return;
  }
  if (op === 0x0e) {
    const n = r.leb();
    for (let i = 0; i <= n; i++) r.leb();
    return;
  }
  if (op === 0x11 || op === 0x13) {
    r.leb();
    r.leb();
    return;
  }
  if (op === 0x1c) {
    const n = r.leb();
    r.pos += n;
    return;
  }
  if (op >= 0x28 && op <= 0x3e) return skipMemarg(r);
  if (op === 0x3f || op === 0x40) {
    r.leb();
    return;
  }
  if (op === 0x41 || op === 0x42) {
    r.skipLeb();
    return;
  }
  if (op === 0x43) {
    r.pos += 4;
    return;
  }
  if (op === 0x44) {
    r.pos += 8;
    return;
  }
  if (op >= 0x45 && op <= 0xc4) return;
  if (op === 0xd0) {
    r.u8();
    return;
  }
  if (op === 0xfc) {
    const sub = r.leb();
    if (sub <= 7) return;
    if (sub === 8 || sub === 12 || sub === 14) {
      r.leb();
      r.leb();
      return;
    }
    if (sub === 9 || sub === 13 || sub === 11 || (sub >= 15 && sub <= 17)) {
      r.leb();
      return;
    }
    if (sub === 10) {
      r.leb();
      r.leb();
      return;
    }
    throw new Unsupported();
  }
  if (op === 0xfd) {
    const sub = r.leb();
    if (sub <= 11 || sub === 92 || sub === 93) return skipMemarg(r);
    if (sub === 12 || sub === 13) {
      r.pos += 16;
      return;
    }
    if (sub >= 21 && sub <= 34) {
      r.u8();
      return;
    }
    if (sub >= 84 && sub <= 91) {
      skipMemarg(r);
      r.u8();
      return;
    }
    if (sub <= 0x113) return; // every other SIMD instruction has no immediate
    throw new Unsupported();
  }
  throw new Unsupported();
}

function skipMemarg(r: Reader): void {
  const align = r.leb();
  if (align & 0x40) r.leb(); // memory index (multi-memory)
  r.leb();
}

/** What the code does with the table, and the calls that can be direct. */
interface CodeScan {
  /** Per function body: [start, end, target function] of each `i32.const; i32.load; call_indirect` to rewrite. */
  rewrites: Map<number, [number, number, number][]>;
  /** Whether any other instruction uses the table or element segments. */
  usesTable: boolean;
  /** The call_indirect instructions left as they are. */
  indirect: number;
}

/** Returns the module with constant function-reference calls made direct (see above). */
export function directizeCalls(bytes: Uint8Array): Uint8Array {
  try {
    return directize(bytes);
  } catch (err) {
    if (err instanceof Unsupported || err instanceof RangeError) return bytes;
    throw err;
  }
}

function directize(bytes: Uint8Array): Uint8Array {
  const all = sections(bytes);
  const find = (id: number) => all.find((s) => s.id === id);
  const code = find(SECTION_CODE);
  const table = find(SECTION_TABLE);
  const element = find(SECTION_ELEMENT);
  if (!code || !table || !element) return bytes;

  // Function types: imported functions first, then the function section.
  const funcTypes: number[] = [];
  const imports = find(SECTION_IMPORT);
  if (imports) {
    const r = new Reader(bytes, imports.start);
    for (let n = r.leb(); n > 0; n--) {
      r.skipVec(); // module
      r.skipVec(); // name
      const kind = r.u8();
      if (kind === 0x00) funcTypes.push(r.leb());
      else if (kind === 0x01)
        throw new Unsupported(); // an imported table
      else if (kind === 0x02) skipLimits(r);
      else if (kind === 0x03) r.pos += 2;
      else throw new Unsupported();
    }
  }
  const functions = find(SECTION_FUNCTION);
  if (functions) {
    const r = new Reader(bytes, functions.start);
    for (let n = r.leb(); n > 0; n--) funcTypes.push(r.leb());
  }
  const tr = new Reader(bytes, table.start);
  if (tr.leb() !== 1) return bytes;
  const exports = find(SECTION_EXPORT);
  if (exports) {
    const r = new Reader(bytes, exports.start);
    for (let n = r.leb(); n > 0; n--) {
      r.skipVec();
      if (r.u8() === 0x01) return bytes; // the table is exported: others may change it
      r.leb();
    }
  }

  // The table's contents: one active segment at a constant offset.
  const er = new Reader(bytes, element.start);
  if (er.leb() !== 1 || er.leb() !== 0 || er.u8() !== 0x41) return bytes;
  const elemOffset = er.sleb32();
  if (er.u8() !== 0x0b) return bytes;
  const elems: number[] = [];
  for (let n = er.leb(); n > 0; n--) elems.push(er.leb());

  const data = new DataImage(bytes, find(SECTION_DATA));
  const scan = scanCode(bytes, code, (typeIndex, addr) => {
    if (data.u32(addr - 4) !== 8) return -1; // not a Function object (rtSize 8)
    const index = data.u32(addr);
    const func = elems[index - elemOffset];
    if (func === undefined || funcTypes[func] !== typeIndex) return -1;
    return func;
  });
  if (scan.rewrites.size === 0) return bytes;

  // New bodies.
  const r = new Reader(bytes, code.start);
  const count = r.leb();
  const payload: number[] = [...uleb(count)];
  for (let i = 0; i < count; i++) {
    const size = r.leb();
    const start = r.pos;
    const end = start + size;
    const edits = scan.rewrites.get(i);
    if (!edits) {
      payload.push(...uleb(size), ...bytes.subarray(start, end));
    } else {
      const body: number[] = [];
      let at = start;
      for (const [from, to, func] of edits) {
        body.push(...bytes.subarray(at, from), 0x10, ...uleb(func));
        at = to;
      }
      body.push(...bytes.subarray(at, end));
      payload.push(...uleb(body.length), ...body);
    }
    r.pos = end;
  }
  const replace = new Map<Section, number[] | Uint8Array | null>([[code, payload]]);
  if (!scan.usesTable && scan.indirect === 0) {
    replace.set(table, null);
    replace.set(element, null);
  }
  return rebuild(bytes, all, replace);
}

function skipLimits(r: Reader): void {
  const flags = r.u8();
  r.leb();
  if (flags & 1) r.leb();
}

function scanCode(bytes: Uint8Array, code: Section, target: (typeIndex: number, addr: number) => number): CodeScan {
  const r = new Reader(bytes, code.start);
  const rewrites = new Map<number, [number, number, number][]>();
  let usesTable = false;
  let indirect = 0;
  const count = r.leb();
  for (let i = 0; i < count; i++) {
    const size = r.leb();
    const end = r.pos + size;
    for (let n = r.leb(); n > 0; n--) {
      r.leb();
      r.u8();
    }
    // The last two instructions: [start, opcode, immediate].
    let prev2: [number, number, number] | null = null;
    let prev1: [number, number, number] | null = null;
    while (r.pos < end) {
      const at = r.pos;
      const op = r.u8();
      let imm = 0;
      if (op === 0x41) {
        imm = r.sleb32();
      } else if (op === 0x28) {
        const align = r.leb();
        if (align & 0x40) throw new Unsupported();
        imm = r.leb(); // offset
      } else if (op === 0x11) {
        const typeIndex = r.leb();
        const tableIndex = r.leb();
        let func = -1;
        if (tableIndex === 0 && prev1 && prev2 && prev1[1] === 0x28 && prev2[1] === 0x41) {
          func = target(typeIndex, ((prev2[2] >>> 0) + prev1[2]) >>> 0);
        }
        if (func >= 0 && prev2) {
          const list = rewrites.get(i) ?? [];
          list.push([prev2[0], r.pos, func]);
          rewrites.set(i, list);
        } else {
          indirect++;
        }
      } else {
        if (op === 0x25 || op === 0x26 || op === 0xd2) usesTable = true;
        if (op === 0xfc) {
          const sub = r.bytes[r.pos]!;
          if (sub >= 12 && sub <= 17) usesTable = true;
        }
        skipImmediates(r, op);
      }
      prev2 = prev1;
      prev1 = [at, op, imm];
    }
    if (r.pos !== end) throw new Unsupported();
  }
  return { rewrites, usesTable, indirect };
}
