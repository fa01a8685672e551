// Searches and comparisons on AssemblyScript strings (UTF-16), as plain
// loops over code units.
//
// Why plain: these were SIMD steps of 16 units while every loop iteration
// of a guest was an exit to the host (wazero's WithCloseOnContextDone).
// With metering a loop iteration costs a few instructions, and the plain
// loops measured within 2% of the SIMD ones per request on the hello and
// json-api examples (docs/sdk-ts.md, "What the request path keeps").

/**
 * True when the 32 bytes at `ptr` are inside linear memory: code that loads
 * whole SIMD steps (utf8.ts, headers.ts) reads up to 30 bytes past a
 * string's end, harmless inside memory, a trap past its end.
 */
// @ts-ignore: decorator
@inline export function canLoad32(ptr: usize): bool {
  return ptr + 32 <= (<usize>memory.size() << 16);
}

/** The index of the first code unit `code` in `s` at or after `from`, or -1. */
export function indexOfChar(s: string, code: i32, from: i32): i32 {
  for (let i = max(from, 0), n = s.length; i < n; i++) {
    if (<i32>s.charCodeAt(i) == code) return i;
  }
  return -1;
}

/** The index of the first code unit `a` or `b` in `s` at or after `from`, or -1. */
export function indexOfEither(s: string, a: i32, b: i32, from: i32): i32 {
  for (let i = max(from, 0), n = s.length; i < n; i++) {
    const c = <i32>s.charCodeAt(i);
    if (c == a || c == b) return i;
  }
  return -1;
}

/** True when the `t.length` units of `s` at `at` are exactly `t`. */
export function regionEquals(s: string, at: i32, t: string): bool {
  const n = t.length;
  if (at < 0 || at + n > s.length) return false;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(at + i) != t.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * True when `a` and `b` are equal ignoring the case of ASCII letters, which
 * is how HTTP header names compare.
 */
export function equalsIgnoreAsciiCase(a: string, b: string): bool {
  const n = a.length;
  if (n != b.length) return false;
  for (let i = 0; i < n; i++) {
    let x = <i32>a.charCodeAt(i);
    let y = <i32>b.charCodeAt(i);
    if (x >= 0x41 && x <= 0x5a) x += 32;
    if (y >= 0x41 && y <= 0x5a) y += 32;
    if (x != y) return false;
  }
  return true;
}
