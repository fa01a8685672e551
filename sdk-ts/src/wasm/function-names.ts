/**
 * Tidies the function names a handler's module keeps (its "name" section),
 * which engines print in a trap's stack (wazero in Caddy's log, V8 in the
 * harness): the entry's compile alias (`index.gojinn-entry`, see
 * src/build/compile.ts) becomes the file's own name again, and an exported
 * function that lost its name (wasm-ctor-eval leaves `_start` unnamed) gets
 * its export name. A module without a name section is returned unchanged.
 */

import { Reader, rebuild, SECTION_EXPORT, sections, uleb } from "./binary.js";

const SECTION_CUSTOM = 0;
const SUBSECTION_FUNCTIONS = 1;
const KIND_FUNCTION = 0;

function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function nameBytes(name: string): number[] {
  const b = new TextEncoder().encode(name);
  return [...uleb(b.length), ...b];
}

function readName(r: Reader): string {
  const n = r.leb();
  const s = utf8(r.bytes.subarray(r.pos, r.pos + n));
  r.pos += n;
  return s;
}

/** Exported functions: index → export name (the first one, for a function exported twice). */
function exportedFunctions(bytes: Uint8Array, start: number): Map<number, string> {
  const r = new Reader(bytes, start);
  const out = new Map<number, string>();
  for (let i = r.leb(); i > 0; i--) {
    const name = readName(r);
    const kind = r.u8();
    const index = r.leb();
    if (kind === KIND_FUNCTION && !out.has(index)) out.set(index, name);
  }
  return out;
}

/** The module with its function names tidied; `alias` is the text removed from every name. */
export function tidyFunctionNames(bytes: Uint8Array, alias: string): Uint8Array {
  const all = sections(bytes);
  const exports = all.find((s) => s.id === SECTION_EXPORT);
  const names = all.find((s) => s.id === SECTION_CUSTOM && readName(new Reader(bytes, s.start)) === "name");
  if (!names) return bytes;
  const r = new Reader(bytes, names.start);
  readName(r);
  const exported = exports ? exportedFunctions(bytes, exports.start) : new Map<number, string>();
  const payload: number[] = [...nameBytes("name")];
  while (r.pos < names.end) {
    const id = r.u8();
    const size = r.leb();
    const end = r.pos + size;
    if (id !== SUBSECTION_FUNCTIONS) {
      payload.push(id, ...uleb(size), ...bytes.subarray(r.pos, end));
      r.pos = end;
      continue;
    }
    const functions = new Map<number, string>();
    for (let i = r.leb(); i > 0; i--) {
      const index = r.leb();
      functions.set(index, readName(r).split(alias).join(""));
    }
    for (const [index, name] of exported) if (!functions.has(index)) functions.set(index, name);
    const entries = [...functions].sort(([a], [b]) => a - b);
    const content = [...uleb(entries.length), ...entries.flatMap(([index, name]) => [...uleb(index), ...nameBytes(name)])];
    payload.push(id, ...uleb(content.length), ...content);
    r.pos = end;
  }
  return rebuild(bytes, all, new Map([[names, payload]]));
}
