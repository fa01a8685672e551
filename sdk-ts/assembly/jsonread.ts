// Reading JSON (RFC 8259) from UTF-8 bytes in linear memory: what the SDK
// needs to decode the request on stdin.
//
// Why by hand, not json-as: json-as parses a UTF-16 string (stdin had to be
// converted first) one character per loop iteration, and under wazero's
// WithCloseOnContextDone every loop iteration of a guest is an exit to the
// host (~30 ns, docs/architecture.md "Stopping a guest"): a small request cost
// ~1,500 of them. This reader looks at 16 bytes per step with wasm SIMD,
// builds strings straight from the UTF-8 (16 ASCII characters per step), and
// takes the first step of a string before any loop, so a short string costs
// no loop iteration at all. It accepts any valid JSON and rejects the rest
// with the byte offset of the first error.

import { decodeMultibyte, storeWidened } from "./utf8";

// @ts-ignore: decorator
@inline const QUOTE: u32 = 0x22;
// @ts-ignore: decorator
@inline const BACKSLASH: u32 = 0x5c;

/** Nesting deeper than this in a skipped value is an error (not a stack overflow). */
// @ts-ignore: decorator
@inline const MAX_DEPTH: i32 = 512;

/** The bytes of the 16 at `p` that end a run of plain string bytes: `"`, `\`, controls, and with `utf8` non-ASCII. */
// @ts-ignore: decorator
@inline function stringStops(v: v128, utf8: bool): i32 {
  let s = v128.or(v128.or(i8x16.eq(v, i8x16.splat(<i8>QUOTE)), i8x16.eq(v, i8x16.splat(<i8>BACKSLASH))), i8x16.lt_u(v, i8x16.splat(0x20)));
  // i8x16.bitmask takes each byte's top bit, which is set for non-ASCII bytes.
  if (utf8) s = v128.or(s, v);
  return i8x16.bitmask(s);
}

function hexDigit(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return <i32>c - 0x61 + 10;
  return -1;
}

// @ts-ignore: decorator
@inline function isSpace(c: u32): bool {
  // Space, \t, \n, \r as bits of one word: one shift and test.
  return c <= 0x20 && ((<u64>1 << c) & 0x100002600) != 0;
}

/**
 * A cursor over JSON text. The `length` bytes at `ptr` must be followed by
 * 32 readable bytes, the first of them 0: steps read up to 32 bytes past
 * where they start, and the 0 (a control character, invalid in JSON) stops
 * every scan at the end, so no step has to check for it.
 */
export class JsonReader {
  /** The next byte to read. */
  pos: usize;
  /** The first byte of the text. */
  readonly start: usize;
  /** Just past the last byte of the text. */
  readonly end: usize;

  constructor(ptr: usize, length: usize) {
    this.start = ptr;
    this.pos = ptr;
    this.end = ptr + length;
  }

  /** An error message for what is wrong at the current position. */
  error(what: string): string {
    if (this.pos >= this.end) return "invalid JSON: unexpected end of input (" + what + ")";
    return "invalid JSON at byte " + (<u32>(this.pos - this.start)).toString() + ": " + what;
  }

  /** The byte at the current position (0 at the end). */
  // @ts-ignore: decorator
  @inline peek(): u32 {
    return <u32>load<u8>(this.pos);
  }

  /** Skips white space. Compact JSON has none: then no loop runs. */
  // @ts-ignore: decorator
  @inline skipSpace(): void {
    if (isSpace(this.peek())) this.skipSpaceLoop();
  }

  private skipSpaceLoop(): void {
    let p = this.pos;
    do p++;
    while (isSpace(<u32>load<u8>(p)));
    this.pos = p;
  }

  /** Consumes `c` (after white space) or throws. */
  // @ts-ignore: decorator
  @inline expect(c: u32, what: string): void {
    if (this.peek() == c) this.pos++;
    else this.expectSlow(c, what);
  }

  private expectSlow(c: u32, what: string): void {
    this.skipSpace();
    if (this.peek() != c) throw new Error(this.error(what));
    this.pos++;
  }

  /** Consumes `c` if it is next (after white space). */
  // @ts-ignore: decorator
  @inline accept(c: u32): bool {
    if (this.peek() == c) {
      this.pos++;
      return true;
    }
    return this.acceptSlow(c);
  }

  private acceptSlow(c: u32): bool {
    if (!isSpace(this.peek())) return false;
    this.skipSpace();
    if (this.peek() != c) return false;
    this.pos++;
    return true;
  }

  /** Consumes `null` if it is next (after white space). */
  acceptNull(): bool {
    this.skipSpace();
    // "null" read as one little-endian word.
    if (load<u32>(this.pos) != 0x6c6c756e) return false;
    this.pos += 4;
    return true;
  }

  /**
   * Reads a string (after white space) and returns it. With the stub runtime
   * the result is built in place: room for the longest string the rest of
   * the input could hold is taken and the unused part given back at once.
   */
  readString(): string {
    this.skipSpace();
    if (this.peek() != QUOTE) throw new Error(this.error("expected a string"));
    const src = this.pos + 1;
    // First step: a string of up to 15 plain ASCII bytes is done here, in a
    // block of its exact size. The 32-byte store may run past that block's
    // end into memory nothing owns yet (the stub allocates at the end), so
    // only when those 32 bytes are inside linear memory.
    const v = v128.load(src);
    const m = stringStops(v, true);
    if (m != 0) {
      const k = <usize>ctz(m);
      if (load<u8>(src + k) == QUOTE) {
        this.pos = src + k + 1;
        if (k == 0) return "";
        const out = __new(k << 1, idof<String>());
        if (out + 32 <= <usize>memory.size() << 16) {
          storeWidened(out, v);
        } else {
          for (let i: usize = 0; i < k; i++) store<u16>(out + (i << 1), load<u8>(src + i));
        }
        return changetype<string>(out);
      }
    }
    // Longer, or with escapes or non-ASCII: room for the longest string the
    // rest of the input could hold, the unused part given back at once.
    const out = __new(((this.end - src) << 1) + 64, idof<String>());
    // The loop goes on after the first 16 bytes when they were all plain.
    let dst = out;
    if (m == 0) {
      storeWidened(out, v);
      this.pos = src + 16;
      dst = out + 32;
    } else {
      this.pos = src;
    }
    const end = this.readStringRest(dst);
    return changetype<string>(__renew(out, end - out));
  }

  // Decodes from `this.pos` (inside a string) to its closing quote into the
  // UTF-16 buffer at `dst`; returns the end of what it wrote. Every input
  // byte is at most one code unit (two bytes) out, so the buffer suffices.
  private readStringRest(dst: usize): usize {
    let src = this.pos;
    // 32 bytes per step: two of 16, one mask.
    while (true) {
      const v0 = v128.load(src);
      const v1 = v128.load(src, 16);
      storeWidened(dst, v0);
      storeWidened(dst + 32, v1);
      const m = <u32>stringStops(v0, true) | (<u32>stringStops(v1, true) << 16);
      if (m == 0) {
        src += 32;
        dst += 64;
        continue;
      }
      const k = <usize>ctz(m);
      src += k;
      dst += k << 1;
      const c = <u32>load<u8>(src);
      if (c == QUOTE) break;
      if (c == BACKSLASH) {
        this.pos = src;
        dst = this.readEscape(dst);
        src = this.pos;
      } else if (c >= 0x80) {
        // The 0 after the input makes a sequence cut by the end invalid.
        const r = decodeMultibyte(src, dst);
        src += r & 0xff;
        dst += (r >> 8) << 1;
      } else {
        this.pos = src;
        throw new Error(this.error(src >= this.end ? "unterminated string" : "control character in a string (it must be escaped)"));
      }
    }
    this.pos = src + 1;
    return dst;
  }

  // Decodes the escape at `this.pos` (a backslash) as one UTF-16 code unit at
  // `dst`. A \uXXXX surrogate is stored as it is: a pair of them is the
  // character, as in JavaScript.
  private readEscape(dst: usize): usize {
    const e = <u32>load<u8>(this.pos, 1);
    let unit: u32 = 0;
    let size: usize = 2;
    if (e == QUOTE || e == BACKSLASH || e == 0x2f) unit = e;
    else if (e == 0x6e) unit = 0x0a; // n
    else if (e == 0x74) unit = 0x09; // t
    else if (e == 0x72) unit = 0x0d; // r
    else if (e == 0x62) unit = 0x08; // b
    else if (e == 0x66) unit = 0x0c; // f
    else if (e == 0x75) {
      // u: exactly four hex digits
      const p = this.pos;
      const h = (hexDigit(load<u8>(p, 2)) << 12) | (hexDigit(load<u8>(p, 3)) << 8) | (hexDigit(load<u8>(p, 4)) << 4) | hexDigit(load<u8>(p, 5));
      if (h < 0) throw new Error(this.error("invalid \\u escape (four hex digits expected)"));
      unit = <u32>h;
      size = 6;
    } else {
      throw new Error(this.error("invalid escape in a string"));
    }
    store<u16>(dst, <u16>unit);
    this.pos += size;
    return dst + 2;
  }

  /**
   * Skips a string (after white space), checking its escapes; returns the
   * position of its opening quote (readStringAt reads it from there later).
   */
  skipString(): usize {
    this.skipSpace();
    const quote = this.pos;
    if (load<u8>(quote) != QUOTE) throw new Error(this.error("expected a string"));
    // First step: most strings end in it, before any loop.
    const src = quote + 1;
    const m = stringStops(v128.load(src), false);
    if (m != 0) {
      const k = <usize>ctz(m);
      if (load<u8>(src + k) == QUOTE) {
        this.pos = src + k + 1;
        return quote;
      }
    }
    // The loop goes on after the first 16 bytes when they were all plain.
    this.skipStringRest(m == 0 ? src + 16 : src);
    return quote;
  }

  private skipStringRest(src: usize): void {
    // 32 bytes per step: two of 16, one mask.
    while (true) {
      const m = <u32>stringStops(v128.load(src), false) | (<u32>stringStops(v128.load(src, 16), false) << 16);
      if (m == 0) {
        src += 32;
        continue;
      }
      src += <usize>ctz(m);
      const c = <u32>load<u8>(src);
      if (c == QUOTE) break;
      if (c == BACKSLASH) {
        this.pos = src;
        this.readEscape(memory.data(4));
        src = this.pos;
      } else {
        this.pos = src;
        throw new Error(this.error(src >= this.end ? "unterminated string" : "control character in a string (it must be escaped)"));
      }
    }
    this.pos = src + 1;
  }

  /** Reads the string whose opening quote is at `quote` (one skipString checked). */
  readStringAt(quote: usize): string {
    this.pos = quote;
    return this.readString();
  }

  /**
   * Reads an object key (after white space) that is plain ASCII of at most
   * 16 bytes without escapes, without building a string: returns its length,
   * its bytes at `keyStart()`; or -1 for any other key, with the reader back
   * at its opening quote (read it with readString).
   */
  readShortKey(): i32 {
    this.skipSpace();
    if (this.peek() != QUOTE) throw new Error(this.error("expected a string (an object key)"));
    const src = this.pos + 1;
    const m = stringStops(v128.load(src), true) | 0x10000;
    const k = ctz(m);
    if (k < 16 && load<u8>(src + k) == QUOTE) {
      this.pos = src + k + 1;
      return k;
    }
    return -1;
  }

  /** Where the bytes of the key readShortKey just read start. */
  // @ts-ignore: decorator
  @inline keyStart(length: i32): usize {
    return this.pos - 1 - length;
  }

  /** Skips one JSON value of any kind (after white space), checking it. */
  skipValue(depth: i32): void {
    if (depth > MAX_DEPTH) throw new Error(this.error("nested too deeply"));
    this.skipSpace();
    const c = this.peek();
    if (c == QUOTE) {
      this.skipString();
    } else if (c == 0x7b) {
      // {
      this.pos++;
      if (this.accept(0x7d)) return;
      do {
        this.skipString();
        this.expect(0x3a, "expected ':'");
        this.skipValue(depth + 1);
      } while (this.accept(0x2c));
      this.expect(0x7d, "expected ',' or '}'");
    } else if (c == 0x5b) {
      // [
      this.pos++;
      if (this.accept(0x5d)) return;
      do this.skipValue(depth + 1);
      while (this.accept(0x2c));
      this.expect(0x5d, "expected ',' or ']'");
    } else if (c == 0x74) {
      if (load<u32>(this.pos) != 0x65757274) throw new Error(this.error("expected a value")); // true
      this.pos += 4;
    } else if (c == 0x66) {
      if (load<u32>(this.pos, 1) != 0x65736c61) throw new Error(this.error("expected a value")); // (f)alse
      this.pos += 5;
    } else if (c == 0x6e) {
      if (!this.acceptNull()) throw new Error(this.error("expected a value"));
    } else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.skipNumber();
    } else {
      throw new Error(this.error("expected a value"));
    }
  }

  /** Reads a number (after white space), checking it, and returns its text as written. */
  readNumberText(): string {
    this.skipSpace();
    const start = this.pos;
    const c = this.peek();
    if (c != 0x2d && (c < 0x30 || c > 0x39)) throw new Error(this.error("expected a number"));
    this.skipNumber();
    return String.UTF8.decodeUnsafe(start, this.pos - start);
  }

  private digits(): usize {
    let p = this.pos;
    while (load<u8>(p) >= 0x30 && load<u8>(p) <= 0x39) p++;
    const n = p - this.pos;
    this.pos = p;
    return n;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  private skipNumber(): void {
    if (this.peek() == 0x2d) this.pos++;
    if (this.peek() == 0x30) {
      this.pos++;
    } else if (this.digits() == 0) {
      throw new Error(this.error("invalid number"));
    }
    if (this.peek() == 0x2e) {
      this.pos++;
      if (this.digits() == 0) throw new Error(this.error("invalid number"));
    }
    if ((this.peek() | 0x20) == 0x65) {
      this.pos++;
      if (this.peek() == 0x2b || this.peek() == 0x2d) this.pos++;
      if (this.digits() == 0) throw new Error(this.error("invalid number"));
    }
  }

  /** Throws unless only white space is left. */
  expectEnd(): void {
    this.skipSpace();
    if (this.pos != this.end) throw new Error(this.error("unexpected data after the value"));
  }
}

/** True when the `length` key bytes at `p` (16 readable) are the ASCII `name` (at most 16 characters). */
// @ts-ignore: decorator
@inline export function keyIs(p: usize, length: i32, name: string): bool {
  if (length != name.length) return false;
  const v = v128.load(p);
  const lit = changetype<usize>(name);
  let m = i16x8.bitmask(i16x8.eq(i16x8.extend_low_i8x16_u(v), v128.load(lit)));
  if (length > 8) m |= i16x8.bitmask(i16x8.eq(i16x8.extend_high_i8x16_u(v), v128.load(lit, 16))) << 8;
  const want = (1 << length) - 1;
  return (m & want) == want;
}

/**
 * True when the bytes at `p` (16 readable) start with the ASCII `text` (at
 * most 16 characters): one comparison of 16 bytes.
 */
// @ts-ignore: decorator
@inline export function startsWithAscii(p: usize, text: string): bool {
  const lit = changetype<usize>(text);
  const m = i8x16.bitmask(i8x16.eq(v128.load(p), i8x16.narrow_i16x8_u(v128.load(lit), v128.load(lit, 16))));
  const want = (1 << text.length) - 1;
  return (m & want) == want;
}
