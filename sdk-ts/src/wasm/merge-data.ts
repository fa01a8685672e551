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

import { Reader, rebuild, Section, SECTION_CODE, SECTION_DATA, SECTION_DATA_COUNT, sections, sleb32, uleb } from "./binary.js";

/** Merging is skipped when it would store more than this many extra zero bytes. */
const MAX_ADDED_ZEROS = 64 * 1024;

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

  const replace = new Map<Section, number[] | Uint8Array | null>([[data, newData]]);
  const count = all.find((s) => s.id === SECTION_DATA_COUNT);
  if (count) replace.set(count, uleb(1));
  const out = rebuild(bytes, all, replace);
  return { bytes: out, before: segments.length, after: 1 };
}
