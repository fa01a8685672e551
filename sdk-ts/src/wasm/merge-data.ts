/**
 * Merges a module's active data segments into one.
 *
 * asc writes every static string and object as its own data segment (the
 * hello handler has 300). A host instantiates a module once per request, and
 * applies every segment each time: in wazero each one costs a constant
 * expression evaluation with allocations, which made segments alone most of
 * a hello request's cost. One segment holding the same bytes (the gaps between
 * them are zeros, as fresh memory is) gives the same initial memory.
 *
 * The rewrite is only done when it is certainly equivalent: every segment
 * active, in memory 0, at an i32.const offset, and no bulk-memory
 * instruction (memory.init / data.drop) that could name a segment by index.
 * Otherwise the module is returned unchanged. Binaryen (asc's optimizer)
 * has no pass that merges segments, and a round trip through binaryen.js
 * would re-run its own packing, hence this small rewrite of the binary.
 */

const SECTION_CODE = 10;
const SECTION_DATA = 11;
const SECTION_DATA_COUNT = 12;
/** Merging is skipped when it would store more than this many extra zero bytes. */
const MAX_ADDED_ZEROS = 64 * 1024;

interface Section {
  id: number;
  start: number; // of the payload
  end: number;
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  u8(): number {
    if (this.pos >= this.bytes.length) throw new RangeError("unexpected end of module");
    return this.bytes[this.pos++]!;
  }

  leb(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
  }

  sleb32(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.u8();
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (shift < 32 && b & 0x40) result |= ~0 << shift;
    return result;
  }
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function sleb32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

function sections(bytes: Uint8Array): Section[] {
  const r = new Reader(bytes, 8);
  const out: Section[] = [];
  while (r.pos < bytes.length) {
    const id = r.u8();
    const size = r.leb();
    out.push({ id, start: r.pos, end: r.pos + size });
    r.pos += size;
  }
  return out;
}

interface Segment {
  offset: number;
  data: Uint8Array;
}

/** The data section's segments, or null when any is not a plain active one. */
function activeSegments(bytes: Uint8Array, s: Section): Segment[] | null {
  const r = new Reader(bytes, s.start);
  const count = r.leb();
  const out: Segment[] = [];
  for (let i = 0; i < count; i++) {
    if (r.leb() !== 0) return null; // passive, or an explicit memory index
    if (r.u8() !== 0x41) return null; // not i32.const
    const offset = r.sleb32();
    if (r.u8() !== 0x0b) return null; // not a lone constant
    const size = r.leb();
    out.push({ offset: offset >>> 0, data: bytes.subarray(r.pos, r.pos + size) });
    r.pos += size;
  }
  return r.pos === s.end ? out : null;
}

/** Whether the code may use memory.init or data.drop (0xfc 0x08 / 0x09). */
function mayUseBulkData(bytes: Uint8Array, code: Section | undefined): boolean {
  if (!code) return false;
  for (let i = code.start; i + 1 < code.end; i++) {
    if (bytes[i] === 0xfc && (bytes[i + 1] === 0x08 || bytes[i + 1] === 0x09)) return true;
  }
  return false;
}

function section(id: number, payload: number[] | Uint8Array): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

/** Returns the module with its active data segments merged into one (see above). */
export function mergeDataSegments(bytes: Uint8Array): { bytes: Uint8Array; before: number; after: number } {
  const all = sections(bytes);
  const data = all.find((s) => s.id === SECTION_DATA);
  const segments = data ? activeSegments(bytes, data) : null;
  const unchanged = { bytes, before: segments?.length ?? 0, after: segments?.length ?? 0 };
  if (!data || !segments || segments.length < 2) return unchanged;
  if (
    mayUseBulkData(
      bytes,
      all.find((s) => s.id === SECTION_CODE),
    )
  )
    return unchanged;

  const start = Math.min(...segments.map((s) => s.offset));
  const end = Math.max(...segments.map((s) => s.offset + s.data.length));
  const stored = segments.reduce((n, s) => n + s.data.length, 0);
  if (end - start - stored > MAX_ADDED_ZEROS) return unchanged;
  // Later segments overwrite earlier ones where they overlap, as instantiation does.
  const merged = new Uint8Array(end - start);
  for (const s of segments) merged.set(s.data, s.offset - start);

  const payload = [...uleb(1), 0x00, 0x41, ...sleb32(start | 0), 0x0b, ...uleb(merged.length)];
  const newData = new Uint8Array(payload.length + merged.length);
  newData.set(payload);
  newData.set(merged, payload.length);

  const out: number[] = Array.from(bytes.subarray(0, 8));
  for (const s of all) {
    if (s.id === SECTION_DATA_COUNT) out.push(...section(s.id, uleb(1)));
    else if (s.id === SECTION_DATA) out.push(...section(s.id, newData));
    else out.push(...section(s.id, bytes.subarray(s.start, s.end)));
  }
  return { bytes: Uint8Array.from(out), before: segments.length, after: 1 };
}
