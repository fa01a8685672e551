// The signatures of a module's function imports, read from its type and
// import sections: WebAssembly.Module.imports gives names and kinds only,
// and the host refuses a `gojinn` import whose signature is not the ABI's.
import { Reader, sections, SECTION_IMPORT, SECTION_TYPE } from "./binary.js";

/** One imported function with its signature. */
export interface FunctionImport {
  module: string;
  name: string;
  params: string[];
  results: string[];
}

const VALUE_TYPES: Record<number, string> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};

function readName(r: Reader): string {
  const n = r.leb();
  const name = new TextDecoder().decode(r.bytes.subarray(r.pos, r.pos + n));
  r.pos += n;
  return name;
}

/**
 * Every function import of a valid module with its signature; null when the
 * module uses a type form this reader does not know (then nothing is
 * checked here: the host still checks).
 */
export function functionImports(bytes: Uint8Array): FunctionImport[] | null {
  try {
    const all = sections(bytes);
    const types: Array<{ params: string[]; results: string[] }> = [];
    const typeSection = all.find((s) => s.id === SECTION_TYPE);
    if (typeSection) {
      const r = new Reader(bytes, typeSection.start);
      for (let n = r.leb(); n > 0; n--) {
        if (r.u8() !== 0x60) return null; // not a plain function type
        const vec = (): string[] => {
          const out: string[] = [];
          for (let k = r.leb(); k > 0; k--) {
            const t = VALUE_TYPES[r.u8()];
            if (t === undefined) throw new RangeError("unknown value type");
            out.push(t);
          }
          return out;
        };
        const params = vec();
        types.push({ params, results: vec() });
      }
    }
    const out: FunctionImport[] = [];
    const importSection = all.find((s) => s.id === SECTION_IMPORT);
    if (importSection) {
      const r = new Reader(bytes, importSection.start);
      for (let n = r.leb(); n > 0; n--) {
        const module = readName(r);
        const name = readName(r);
        const kind = r.u8();
        if (kind === 0x00) {
          const type = types[r.leb()];
          if (!type) return null;
          out.push({ module, name, ...type });
        } else if (kind === 0x01) {
          r.u8();
          skipLimits(r);
        } else if (kind === 0x02) {
          skipLimits(r);
        } else if (kind === 0x03) {
          r.pos += 2;
        } else {
          return null;
        }
      }
    }
    return out;
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}

function skipLimits(r: Reader): void {
  const flags = r.u8();
  r.skipLeb();
  if (flags & 1) r.skipLeb();
}

/** `(i32, i32) -> i32`. */
export function formatSignature(params: string[], results: string[]): string {
  return `(${params.join(", ")}) -> ${results.length ? results.join(", ") : "nothing"}`;
}
