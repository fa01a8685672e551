// Header names: the canonical form Go (and so the host) uses, and
// case-insensitive lookup.

import { canLoad32, equalsIgnoreAsciiCase } from "./strings";

function isTokenChar(c: i32): bool {
  if (c >= 48 && c <= 57) return true; // 0-9
  if (c >= 65 && c <= 90) return true; // A-Z
  if (c >= 97 && c <= 122) return true; // a-z
  // !#$%&'*+-.^_`|~
  return c == 33 || (c >= 35 && c <= 39) || c == 42 || c == 43 || c == 45 || c == 46 || c == 94 || c == 95 || c == 96 || c == 124 || c == 126;
}

// @ts-ignore: decorator
@inline function inRange(v: v128, lo: i16, hi: i16): v128 {
  return v128.and(i16x8.ge_u(v, i16x8.splat(lo)), i16x8.le_u(v, i16x8.splat(hi)));
}

// The units of the 8 in `v` that are as a canonical name has them: letters
// upper case at the start and after '-', lower case elsewhere; digits and
// '-' anywhere. `prev` holds the unit before each one.
// @ts-ignore: decorator
@inline function canonicalUnits(v: v128, prev: v128): i32 {
  const afterDash = i16x8.eq(prev, i16x8.splat(0x2d));
  const ok = v128.or(
    v128.or(v128.and(inRange(v, 0x41, 0x5a), afterDash), v128.andnot(inRange(v, 0x61, 0x7a), afterDash)),
    v128.or(inRange(v, 0x30, 0x39), i16x8.eq(v, i16x8.splat(0x2d))),
  );
  return i16x8.bitmask(ok);
}

// True when `name` (at most 16 units) is made of letters, digits and '-'
// and already canonical: the usual case, checked in one SIMD step.
function isPlainCanonical(name: string, n: i32): bool {
  const p = changetype<usize>(name);
  if (n > 16 || !canLoad32(p + (<usize>n << 1))) return false;
  const v0 = v128.load(p);
  const v1 = v128.load(p, 16);
  // Each unit's predecessor: '-' before the first, so it must be upper case.
  const prev0 = i8x16.shuffle(i16x8.splat(0x2d), v0, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29);
  const prev1 = i8x16.shuffle(v0, v1, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29);
  const want = (1 << n) - 1;
  return ((canonicalUnits(v0, prev0) | (canonicalUnits(v1, prev1) << 8)) & want) == want;
}

/**
 * The canonical form of a header name, as Go's CanonicalMIMEHeaderKey gives
 * it: `content-type` becomes `Content-Type`. A name with a character that is
 * not allowed in a header name is returned unchanged.
 */
export function canonicalHeaderName(name: string): string {
  const n = name.length;
  if (n == 0) return name;
  if (isPlainCanonical(name, n)) return name;
  for (let i = 0; i < n; i++) {
    if (!isTokenChar(name.charCodeAt(i))) return name;
  }
  const out = new Uint16Array(n);
  let upper = true;
  for (let i = 0; i < n; i++) {
    let c = name.charCodeAt(i);
    if (upper && c >= 97 && c <= 122) c -= 32;
    else if (!upper && c >= 65 && c <= 90) c += 32;
    out[i] = <u16>c;
    upper = c == 45; // '-'
  }
  return String.UTF16.decodeUnsafe(out.dataStart, <usize>n << 1);
}

/**
 * Finds the key of `headers` equal to `name` ignoring case; null when there
 * is none. Tries the canonical form first, which is how the host sends them.
 */
export function findHeaderKey(headers: Map<string, string[]>, name: string): string | null {
  if (headers.size == 0) return null;
  const canonical = canonicalHeaderName(name);
  if (headers.has(canonical)) return canonical;
  const keys = headers.keys();
  for (let i = 0; i < keys.length; i++) {
    if (equalsIgnoreAsciiCase(keys[i], name)) return keys[i];
  }
  return null;
}
