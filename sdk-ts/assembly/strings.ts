// Searches and comparisons on AssemblyScript strings (UTF-16), 16 code units
// per step with wasm SIMD.
//
// Why by hand: Gojinn runs guests with wazero's WithCloseOnContextDone, which
// makes every loop iteration of the guest an exit to the host (~30 ns, see
// docs/architecture.md, "Stopping a guest"). String#indexOf compares at every
// position in a loop, so finding `?` in a 20-character URI cost ~20 of them.
// Here a step covers 16 code units, and the first step comes before the loop:
// strings of up to 16 units need no loop at all.

/**
 * True when the 32 bytes at `ptr` are inside linear memory. The functions
 * here load whole steps, up to 30 bytes past a string's end: harmless inside
 * memory, a trap past its end (they fall back to a plain loop there).
 */
// @ts-ignore: decorator
@inline export function canLoad32(ptr: usize): bool {
  return ptr + 32 <= (<usize>memory.size() << 16);
}

/** The lanes of the 16 code units at `p` that equal `needle` (bit i: unit i). */
// @ts-ignore: decorator
@inline function unitsEqual(p: usize, needle: v128): i32 {
  return i16x8.bitmask(i16x8.eq(v128.load(p), needle)) | (i16x8.bitmask(i16x8.eq(v128.load(p, 16), needle)) << 8);
}

/** The index of the first code unit `code` in `s` at or after `from`, or -1. */
export function indexOfChar(s: string, code: i32, from: i32): i32 {
  const n = s.length;
  if (from < 0) from = 0;
  if (from >= n) return -1;
  const base = changetype<usize>(s);
  if (!canLoad32(base + (<usize>n << 1))) {
    for (let i = from; i < n; i++) if (<i32>load<u16>(base + (<usize>i << 1)) == code) return i;
    return -1;
  }
  const needle = i16x8.splat(<i16>code);
  let i = from;
  let m = unitsEqual(base + (<usize>i << 1), needle);
  if (m == 0) {
    i += 16;
    if (i >= n) return -1;
    do {
      m = unitsEqual(base + (<usize>i << 1), needle);
      if (m != 0) break;
      i += 16;
    } while (i < n);
    if (m == 0) return -1;
  }
  const at = i + ctz(m);
  return at < n ? at : -1;
}

/** The index of the first code unit `a` or `b` in `s` at or after `from`, or -1. */
export function indexOfEither(s: string, a: i32, b: i32, from: i32): i32 {
  const n = s.length;
  if (from < 0) from = 0;
  if (from >= n) return -1;
  const base = changetype<usize>(s);
  if (!canLoad32(base + (<usize>n << 1))) {
    for (let i = from; i < n; i++) {
      const c = <i32>load<u16>(base + (<usize>i << 1));
      if (c == a || c == b) return i;
    }
    return -1;
  }
  const va = i16x8.splat(<i16>a);
  const vb = i16x8.splat(<i16>b);
  let i = from;
  let p = base + (<usize>i << 1);
  let m = unitsEqual(p, va) | unitsEqual(p, vb);
  if (m == 0) {
    i += 16;
    if (i >= n) return -1;
    do {
      p = base + (<usize>i << 1);
      m = unitsEqual(p, va) | unitsEqual(p, vb);
      if (m != 0) break;
      i += 16;
    } while (i < n);
    if (m == 0) return -1;
  }
  const at = i + ctz(m);
  return at < n ? at : -1;
}

/** True when the `t.length` units of `s` at `at` are exactly `t`. */
export function regionEquals(s: string, at: i32, t: string): bool {
  const n = t.length;
  if (at < 0 || at + n > s.length) return false;
  if (n == 0) return true;
  const pa = changetype<usize>(s) + (<usize>at << 1);
  const pb = changetype<usize>(t);
  const size = <usize>n << 1;
  if (!canLoad32(pa + size) || !canLoad32(pb + size)) {
    for (let i = 0; i < n; i++) if (load<u16>(pa + (<usize>i << 1)) != load<u16>(pb + (<usize>i << 1))) return false;
    return true;
  }
  let i = 0;
  do {
    const off = <usize>i << 1;
    let m =
      i16x8.bitmask(i16x8.eq(v128.load(pa + off), v128.load(pb + off))) |
      (i16x8.bitmask(i16x8.eq(v128.load(pa + off, 16), v128.load(pb + off, 16))) << 8);
    const left = n - i;
    if (left < 16) m |= 0xffff << left;
    if ((m & 0xffff) != 0xffff) return false;
    i += 16;
  } while (i < n);
  return true;
}

/** `v` with A-Z turned into a-z; every other unit unchanged. */
// @ts-ignore: decorator
@inline function foldAsciiCase(v: v128): v128 {
  const upper = v128.and(i16x8.ge_u(v, i16x8.splat(0x41)), i16x8.le_u(v, i16x8.splat(0x5a)));
  return v128.or(v, v128.and(upper, i16x8.splat(0x20)));
}

/** Whether the 16 units at `a` and `b` are equal ignoring ASCII case, for the first `left` of them. */
// @ts-ignore: decorator
@inline function stepEqualsFolded(a: usize, b: usize, left: i32): bool {
  let m =
    i16x8.bitmask(i16x8.eq(foldAsciiCase(v128.load(a)), foldAsciiCase(v128.load(b)))) |
    (i16x8.bitmask(i16x8.eq(foldAsciiCase(v128.load(a, 16)), foldAsciiCase(v128.load(b, 16)))) << 8);
  if (left < 16) m |= 0xffff << left;
  return (m & 0xffff) == 0xffff;
}

/**
 * True when `a` and `b` are equal ignoring the case of ASCII letters, which
 * is how HTTP header names compare.
 */
export function equalsIgnoreAsciiCase(a: string, b: string): bool {
  const n = a.length;
  if (n != b.length) return false;
  if (n == 0) return true;
  const pa = changetype<usize>(a);
  const pb = changetype<usize>(b);
  const size = <usize>n << 1;
  if (!canLoad32(pa + size) || !canLoad32(pb + size)) {
    for (let i = 0; i < n; i++) {
      let x = <i32>load<u16>(pa + (<usize>i << 1));
      let y = <i32>load<u16>(pb + (<usize>i << 1));
      if (x >= 0x41 && x <= 0x5a) x += 32;
      if (y >= 0x41 && y <= 0x5a) y += 32;
      if (x != y) return false;
    }
    return true;
  }
  if (!stepEqualsFolded(pa, pb, n)) return false;
  if (n <= 16) return true;
  let i = 16;
  do {
    const off = <usize>i << 1;
    if (!stepEqualsFolded(pa + off, pb + off, n - i)) return false;
    i += 16;
  } while (i < n);
  return true;
}

/** `a == b`, compared 16 code units per step (String's == takes one loop iteration per 4). */
export function stringEquals(a: string, b: string): bool {
  if (changetype<usize>(a) == changetype<usize>(b)) return true;
  return a.length == b.length && regionEquals(a, 0, b);
}
