// UTF-8 bytes <-> AssemblyScript strings (UTF-16), 16 bytes per step with
// wasm SIMD for ASCII and one step per character otherwise.
//
// Why by hand: String.UTF8.decode/encode take one loop iteration per
// character, and under wazero's WithCloseOnContextDone every iteration is an
// exit to the host (~30 ns, docs/architecture.md "Stopping a guest"). Request
// and response text is mostly ASCII, which goes here 16 characters at a time.

import { canLoad32 } from "./strings";

/**
 * Decodes the UTF-8 sequence of 2 to 4 bytes at `src` (whose first byte is
 * >= 0x80) as UTF-16 at `dst`. Returns the bytes read in the low 8 bits and
 * the code units written above them. An invalid or truncated sequence is one
 * byte read and U+FFFD written, so the result is always a valid string.
 * Reads up to 3 bytes past `src`: callers keep readable bytes after their
 * input (a truncated sequence then fails on them).
 */
export function decodeMultibyte(src: usize, dst: usize): u32 {
  const c0 = <u32>load<u8>(src);
  const c1 = <u32>load<u8>(src, 1);
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    if ((c1 & 0xc0) == 0x80) {
      store<u16>(dst, <u16>(((c0 & 0x1f) << 6) | (c1 & 0x3f)));
      return 2 | (1 << 8);
    }
  } else if (c0 >= 0xe0 && c0 <= 0xef) {
    const c2 = <u32>load<u8>(src, 2);
    if ((c1 & 0xc0) == 0x80 && (c2 & 0xc0) == 0x80) {
      const cp = ((c0 & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      if (cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff)) {
        store<u16>(dst, <u16>cp);
        return 3 | (1 << 8);
      }
    }
  } else if (c0 >= 0xf0 && c0 <= 0xf4) {
    const c2 = <u32>load<u8>(src, 2);
    const c3 = <u32>load<u8>(src, 3);
    if ((c1 & 0xc0) == 0x80 && (c2 & 0xc0) == 0x80 && (c3 & 0xc0) == 0x80) {
      const cp = ((c0 & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
      if (cp >= 0x10000 && cp <= 0x10ffff) {
        const u = cp - 0x10000;
        store<u16>(dst, <u16>(0xd800 | (u >> 10)));
        store<u16>(dst, <u16>(0xdc00 | (u & 0x3ff)), 2);
        return 4 | (2 << 8);
      }
    }
  }
  store<u16>(dst, 0xfffd);
  return 1 | (1 << 8);
}

/** Stores the 16 bytes `v` widened to 16 UTF-16 code units at `dst` (32 bytes). */
// @ts-ignore: decorator
@inline export function storeWidened(dst: usize, v: v128): void {
  v128.store(dst, i16x8.extend_low_i8x16_u(v));
  v128.store(dst, i16x8.extend_high_i8x16_u(v), 16);
}

/**
 * Decodes `len` bytes of UTF-8 at `ptr` into a string. Invalid sequences
 * become U+FFFD.
 */
export function decodeUtf8(ptr: usize, len: usize): string {
  if (len == 0) return "";
  if (!canLoad32(ptr + len)) return String.UTF8.decodeUnsafe(ptr, len, false);
  // At most one code unit per byte, plus room for the last whole step.
  const out = __new((len << 1) + 32, idof<String>());
  const end = ptr + len;
  let src = ptr;
  let dst = out;
  // Short ASCII (most request fields): one step, before any loop.
  if (len <= 16) {
    const v = v128.load(src);
    if ((i8x16.bitmask(v) & ((1 << <i32>len) - 1)) == 0) {
      storeWidened(dst, v);
      return changetype<string>(__renew(out, len << 1));
    }
  }
  do {
    const v = v128.load(src);
    storeWidened(dst, v);
    const high = i8x16.bitmask(v);
    if (high == 0) {
      src += 16;
      dst += 32;
      continue;
    }
    const k = <usize>ctz(high);
    src += k;
    dst += k << 1;
    if (src >= end) break;
    // A truncated sequence at the end would read past it: decode a copy.
    let r: u32;
    if (end - src >= 4) {
      r = decodeMultibyte(src, dst);
    } else {
      const tail = memory.data(8);
      store<u64>(tail, 0);
      memory.copy(tail, src, end - src);
      r = decodeMultibyte(tail, dst);
    }
    src += r & 0xff;
    dst += (r >> 8) << 1;
  } while (src < end);
  // The last step may have gone past the end: cut the string there.
  if (src > end) dst -= (src - end) << 1;
  return changetype<string>(__renew(out, dst - out));
}

// @ts-ignore: decorator
@inline const QUOTE: u32 = 0x22;
// @ts-ignore: decorator
@inline const BACKSLASH: u32 = 0x5c;

const HEX = "0123456789abcdef";

/** The character after `\` in a JSON string for `c`, or 0 for `\u00XX`. */
function jsonEscapeOf(c: u32): u32 {
  if (c == QUOTE) return QUOTE;
  if (c == BACKSLASH) return BACKSLASH;
  if (c == 0x0a) return 0x6e; // n
  if (c == 0x0d) return 0x72; // r
  if (c == 0x09) return 0x74; // t
  if (c == 0x08) return 0x62; // b
  if (c == 0x0c) return 0x66; // f
  return 0;
}

/** The 16 code units at `p` narrowed to bytes (saturating: see specialBytes). */
// @ts-ignore: decorator
@inline function narrow16(p: usize): v128 {
  return i8x16.narrow_i16x8_u(v128.load(p), v128.load(p, 16));
}

/**
 * The bytes of `b` (16 code units narrowed) that cannot be copied as they
 * are: non-ASCII, and with `json` also what JSON escapes (bit i: byte i).
 * The narrowing saturates as signed 16-bit numbers, so a unit from 0x80 to
 * 0x7fff becomes a byte >= 0x80 and one from 0x8000 up becomes 0: both are
 * caught here, the second as a control character (or, for text, as 0).
 */
// @ts-ignore: decorator
@inline function specialBytes(b: v128, json: bool): i32 {
  let s: v128;
  if (json) {
    s = v128.or(v128.or(i8x16.lt_u(b, i8x16.splat(0x20)), i8x16.eq(b, i8x16.splat(<i8>QUOTE))), i8x16.eq(b, i8x16.splat(<i8>BACKSLASH)));
  } else {
    s = i8x16.eq(b, i8x16.splat(0));
  }
  // The top bit of each byte: set for >= 0x80 and for the matches above.
  return i8x16.bitmask(v128.or(s, b));
}

/**
 * A growing UTF-8 buffer on the heap. With the stub runtime the newest block
 * grows in place, so a writer that allocates nothing else while it writes
 * never copies. Every write leaves 32 bytes of slack for whole SIMD steps.
 */
export class Utf8Writer {
  /** The start of the buffer. */
  start: usize;
  /** Where the next byte goes. */
  ptr: usize;
  /** The end of the usable buffer (the slack is after it). */
  end: usize;

  constructor(capacity: usize) {
    this.start = heap.alloc(capacity + 32);
    this.ptr = this.start;
    this.end = this.start + capacity;
  }

  /** The number of bytes written. */
  get length(): usize {
    return this.ptr - this.start;
  }

  /** Makes room for `n` more bytes. */
  // @ts-ignore: decorator
  @inline reserve(n: usize): void {
    if (this.ptr + n > this.end) this.grow(n);
  }

  private grow(n: usize): void {
    const used = this.ptr - this.start;
    let capacity = (this.end - this.start) << 1;
    if (capacity < used + n) capacity = used + n;
    const start = heap.realloc(this.start, capacity + 32);
    this.start = start;
    this.ptr = start + used;
    this.end = start + capacity;
  }

  /** Writes one byte. */
  byte(b: u32): void {
    this.reserve(1);
    store<u8>(this.ptr++, <u8>b);
  }

  /** Writes `s` as UTF-8. Lone surrogates become U+FFFD. */
  text(s: string): void {
    this.utf16(s, false);
  }

  /** Writes `s` as a JSON string literal (quotes, escapes) in UTF-8. */
  jsonString(s: string): void {
    this.reserve(1);
    store<u8>(this.ptr++, <u8>QUOTE);
    this.utf16(s, true);
    this.reserve(1);
    store<u8>(this.ptr++, <u8>QUOTE);
  }

  /** Writes the decimal form of `n`. */
  int(n: i32): void {
    if (n >= 100 && n <= 999) {
      // Status codes: no conversion (and no loop) needed.
      this.reserve(3);
      store<u8>(this.ptr, <u8>(0x30 + n / 100));
      store<u8>(this.ptr, <u8>(0x30 + (n / 10) % 10), 1);
      store<u8>(this.ptr, <u8>(0x30 + (n % 10)), 2);
      this.ptr += 3;
    } else {
      this.utf16(n.toString(), false);
    }
  }

  // The core of text and jsonString: 32 code units per step while they are
  // ASCII and need no escaping (narrowed and stored as they are), one step
  // per other character. `json` is a constant at each call, so this is two
  // functions.
  // @ts-ignore: decorator
  @inline private utf16(s: string, json: bool): void {
    const n = <usize>s.length;
    if (n == 0) return;
    const base = changetype<usize>(s);
    // Steps read up to 64 bytes from a unit before the end.
    const simd = base + (n << 1) + 64 <= (<usize>memory.size() << 16);
    // Room for all of it as ASCII; each other character reserves its extra.
    this.reserve(n);
    let i: usize = 0;
    if (simd && n <= 16) {
      // Short and plain (names, most values): one step, before any loop.
      const b = narrow16(base);
      if ((specialBytes(b, json) & ~(0xffff << <i32>n)) == 0) {
        v128.store(this.ptr, b);
        this.ptr += n;
        return;
      }
    }
    do {
      const left = n - i;
      let m: u64 = 0xffffffff;
      if (simd) {
        const p = base + (i << 1);
        const b0 = narrow16(p);
        const b1 = narrow16(p + 32);
        m = <u64>(<u32>specialBytes(b0, json) | (<u32>specialBytes(b1, json) << 16));
        v128.store(this.ptr, b0);
        v128.store(this.ptr, b1, 16);
      }
      if (left < 32) m |= <u64>0xffffffff << left;
      // At most 32 (m has bit 32 set).
      const k = <usize>ctz(m | 0x100000000);
      i += k;
      this.ptr += k;
      if (k >= 32 || i >= n) continue;
      // One character that is not plain ASCII: escape or encode it.
      let c = <u32>load<u16>(base + (i << 1));
      i++;
      this.reserve(6 + (n - i));
      let p = this.ptr;
      if (c < 0x80) {
        if (json && (c < 0x20 || c == QUOTE || c == BACKSLASH)) {
          const e = jsonEscapeOf(c);
          store<u8>(p++, <u8>BACKSLASH);
          if (e != 0) {
            store<u8>(p++, <u8>e);
          } else {
            store<u8>(p++, 0x75); // u
            store<u8>(p++, 0x30);
            store<u8>(p++, 0x30);
            store<u8>(p++, <u8>HEX.charCodeAt(c >> 4));
            store<u8>(p++, <u8>HEX.charCodeAt(c & 15));
          }
        } else {
          store<u8>(p++, <u8>c);
        }
      } else if (c < 0x800) {
        store<u8>(p++, <u8>(0xc0 | (c >> 6)));
        store<u8>(p++, <u8>(0x80 | (c & 63)));
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = i < n ? <u32>load<u16>(base + (i << 1)) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            store<u8>(p++, <u8>(0xf0 | (cp >> 18)));
            store<u8>(p++, <u8>(0x80 | ((cp >> 12) & 63)));
            store<u8>(p++, <u8>(0x80 | ((cp >> 6) & 63)));
            store<u8>(p++, <u8>(0x80 | (cp & 63)));
            i++;
            this.ptr = p;
            continue;
          }
          c = 0xfffd; // a lone surrogate: the replacement character
        }
        store<u8>(p++, <u8>(0xe0 | (c >> 12)));
        store<u8>(p++, <u8>(0x80 | ((c >> 6) & 63)));
        store<u8>(p++, <u8>(0x80 | (c & 63)));
      }
      this.ptr = p;
    } while (i < n);
  }
}

/** `s` as UTF-8 bytes. Lone surrogates become U+FFFD. */
export function encodeUtf8(s: string): Uint8Array {
  const w = new Utf8Writer(<usize>s.length);
  w.text(s);
  const n = <i32>w.length;
  const out = new Uint8Array(n);
  memory.copy(out.dataStart, w.start, n);
  heap.free(w.start);
  return out;
}
