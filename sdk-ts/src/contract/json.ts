// A strict JSON scanner (RFC 8259) for the guest's response, step for step
// the one of the Go host (sandbox/jsonscan.go): JSON.parse cannot tell a
// duplicate name, and the contract's rules depend on such details.

/** How deep arrays and objects may nest (the response object is depth 1). */
const MAX_DEPTH = 128;

/** Output that is not one strict JSON text. */
export class JsonSyntaxError extends Error {}

/** A string as it appears in the JSON text, between its quotes. */
export interface RawString {
  raw: string;
  escaped: boolean;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Four hex digits at text[i..i+4], or -1. */
function hex4(text: string, i: number): number {
  if (i + 4 > text.length) return -1;
  let r = 0;
  for (let k = i; k < i + 4; k++) {
    const h = hexValue(text.charCodeAt(k));
    if (h < 0) return -1;
    r = (r << 4) | h;
  }
  return r;
}

const ESCAPED: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * The text of a checked raw string. A surrogate escape that is not half of a
 * pair becomes U+FFFD, so the result is always well-formed (the Go host does
 * the same, so both send the same bytes).
 */
export function unescape(s: RawString): string {
  const raw = s.raw;
  if (!s.escaped) return raw;
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const j = raw.indexOf("\\", i);
    if (j < 0) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, j);
    const c = raw[j + 1]!;
    i = j + 2;
    if (c !== "u") {
      out += ESCAPED[c]!;
      continue;
    }
    let r = hex4(raw, i);
    i += 4;
    if (r >= 0xd800 && r < 0xdc00 && raw.charCodeAt(i) === 92 && raw.charCodeAt(i + 1) === 117) {
      const lo = hex4(raw, i + 2);
      if (lo >= 0xdc00 && lo < 0xe000) {
        out += String.fromCharCode(r, lo);
        i += 6;
        continue;
      }
    }
    if (r >= 0xd800 && r < 0xe000) r = 0xfffd;
    out += String.fromCharCode(r);
  }
  return out;
}

/** Reads a JSON text (already decoded from UTF-8) token by token. */
export class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  syntaxError(what: string): JsonSyntaxError {
    if (this.pos >= this.text.length) return new JsonSyntaxError(`${what}, found the end of the output`);
    return new JsonSyntaxError(`${what} at character ${this.pos}, found ${JSON.stringify(this.text.slice(this.pos, this.pos + 40))}`);
  }

  /** Skips JSON white space: space, tab, line feed, carriage return. */
  space(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return;
      this.pos++;
    }
  }

  /** The character code at the current position, or 0 at the end. */
  next(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : 0;
  }

  expect(c: number, what: string): void {
    if (this.next() !== c) throw this.syntaxError(what);
    this.pos++;
  }

  /** Reads and checks a string at the current position ('"'). */
  str(): RawString {
    this.expect(34, "expected a string");
    const t = this.text;
    const start = this.pos;
    let escaped = false;
    for (;;) {
      if (this.pos >= t.length) throw this.syntaxError("unterminated string");
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        this.pos++;
        return { raw: t.slice(start, this.pos - 1), escaped };
      }
      if (c === 92) {
        escaped = true;
        this.escape();
      } else if (c < 0x20) {
        throw this.syntaxError("control character in a string");
      } else {
        this.pos++;
      }
    }
  }

  private escape(): void {
    this.pos++;
    const c = this.next();
    if (c === 117) {
      if (hex4(this.text, this.pos + 1) < 0) throw this.syntaxError("expected four hex digits after \\u");
      this.pos += 5;
      return;
    }
    if (!Object.hasOwn(ESCAPED, String.fromCharCode(c))) throw this.syntaxError("invalid escape");
    this.pos++;
  }

  private digits(): number {
    const start = this.pos;
    while (this.pos < this.text.length && this.next() >= 48 && this.next() <= 57) this.pos++;
    return this.pos - start;
  }

  /** Reads a number; `integer` is false when it has a fraction or an exponent. */
  number(): { raw: string; integer: boolean } {
    const start = this.pos;
    if (this.next() === 45) this.pos++;
    const c = this.next();
    if (c === 48) this.pos++;
    else if (c >= 49 && c <= 57) this.digits();
    else throw this.syntaxError("expected a digit");
    let integer = true;
    if (this.next() === 46) {
      integer = false;
      this.pos++;
      if (this.digits() === 0) throw this.syntaxError("expected a digit after '.'");
    }
    if (this.next() === 101 || this.next() === 69) {
      integer = false;
      this.pos++;
      if (this.next() === 43 || this.next() === 45) this.pos++;
      if (this.digits() === 0) throw this.syntaxError("expected a digit in the exponent");
    }
    return { raw: this.text.slice(start, this.pos), integer };
  }

  literal(word: string): void {
    if (!this.text.startsWith(word, this.pos)) throw this.syntaxError("expected a value");
    this.pos += word.length;
  }

  /** Consumes a null, if there is one. */
  null(): boolean {
    if (this.next() !== 110) return false;
    this.literal("null");
    return true;
  }

  /** Checks and skips any value at nesting depth `depth`. */
  skip(depth: number): void {
    const c = this.next();
    if (c === 34) this.str();
    else if (c === 123 || c === 91) {
      if (depth > MAX_DEPTH) throw new JsonSyntaxError(`nested more than ${MAX_DEPTH} deep`);
      const end = c === 123 ? 125 : 93;
      let more = this.open(end);
      while (more) {
        if (end === 125) this.name();
        this.skip(depth + 1);
        more = this.more(end);
      }
    } else if (c === 45 || (c >= 48 && c <= 57)) this.number();
    else if (c === 116) this.literal("true");
    else if (c === 102) this.literal("false");
    else if (c === 110) this.literal("null");
    else throw this.syntaxError("expected a value");
  }

  /** Consumes '{' or '[' and the space after it; false when `end` follows at once (consumed). */
  open(end: number): boolean {
    this.pos++;
    this.space();
    if (this.next() === end) {
      this.pos++;
      return false;
    }
    return true;
  }

  /** After a member: true on ',' (another follows), false on `end`. */
  more(end: number): boolean {
    this.space();
    const c = this.next();
    if (c === 44) {
      this.pos++;
      this.space();
      return true;
    }
    if (c === end) {
      this.pos++;
      return false;
    }
    throw this.syntaxError(`expected ',' or '${String.fromCharCode(end)}'`);
  }

  /** Reads a member name and the colon after it. */
  name(): RawString {
    const s = this.str();
    this.space();
    this.expect(58, "expected ':'");
    this.space();
    return s;
  }

  /** The JSON type of the value at the current position, for a message. */
  valueType(): string {
    const c = this.next();
    if (c === 34) return "a string";
    if (c === 123) return "an object";
    if (c === 91) return "an array";
    if (c === 116 || c === 102) return "a boolean";
    if (c === 110) return "null";
    return "a number";
  }
}
