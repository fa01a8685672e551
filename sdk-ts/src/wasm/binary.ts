/** Reading and writing the WebAssembly binary format: what the SDK's module rewrites need. */

export const SECTION_TYPE = 1;
export const SECTION_IMPORT = 2;
export const SECTION_FUNCTION = 3;
export const SECTION_TABLE = 4;
export const SECTION_EXPORT = 7;
export const SECTION_ELEMENT = 9;
export const SECTION_CODE = 10;
export const SECTION_DATA = 11;
export const SECTION_DATA_COUNT = 12;

/** A section of a module: its id and where its payload is. */
export interface Section {
  id: number;
  start: number; // of the payload
  end: number;
}

/** A cursor over a module's bytes. */
export class Reader {
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

  /** Skips a length-prefixed byte string (a name, a passive segment). */
  skipVec(): void {
    const n = this.leb();
    this.pos += n;
  }

  /** Skips a LEB128 number of any size. */
  skipLeb(): void {
    while (this.u8() & 0x80);
  }
}

/** `n` as unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** `n` as signed LEB128. */
export function sleb32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

/** The module's sections, in order. */
export function sections(bytes: Uint8Array): Section[] {
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

/** A section with its id and size. */
export function section(id: number, payload: number[] | Uint8Array): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

/** The module with some sections' payloads replaced (null: the section dropped). */
export function rebuild(bytes: Uint8Array, all: Section[], replace: Map<Section, number[] | Uint8Array | null>): Uint8Array {
  const out: number[] = Array.from(bytes.subarray(0, 8));
  for (const s of all) {
    const payload = replace.has(s) ? replace.get(s)! : bytes.subarray(s.start, s.end);
    if (payload !== null) out.push(...section(s.id, payload));
  }
  return Uint8Array.from(out);
}
