// One SQL value as the host ABI carries it (docs/host-abi.md, "SQL
// databases"): JSON null, true/false, an integer, a float, a string, or
// {"blob": "<base64>"}. Parameters are built with SqlValue's constructors;
// results are read into SqlValues by readSqlValue.

import { base64Size, decodeBase64, writeBase64 } from "./base64";
import { JsonReader } from "./jsonread";
import { decodeUtf8, encodeUtf8, Utf8Writer } from "./utf8";

/** What an SqlValue holds. */
export enum SqlType {
  Null,
  Int,
  Float,
  Text,
  Blob,
  Bool,
}

/**
 * A parameter or a result value. Build parameters with
 * `SqlValue.int(42)`, `.float(1.5)`, `.text("ada")`, `.blob(bytes)`,
 * `.bool(true)`, `.null()`; read results with `asInt()`, `asText()`...
 */
export class SqlValue {
  /** What the value holds. */
  type: SqlType = SqlType.Null;
  private i: i64 = 0;
  private f: f64 = 0;
  private s: string = "";
  private b: Uint8Array | null = null;

  /** SQL NULL. */
  static null(): SqlValue {
    return new SqlValue();
  }

  /** An integer: binds as INTEGER. */
  static int(value: i64): SqlValue {
    const v = new SqlValue();
    v.type = SqlType.Int;
    v.i = value;
    return v;
  }

  /** A float: binds as REAL (also when it is whole: 2.0). NaN and infinities bind as NULL (JSON has neither). */
  static float(value: f64): SqlValue {
    const v = new SqlValue();
    v.type = SqlType.Float;
    v.f = value;
    return v;
  }

  /** Text: binds as TEXT (UTF-8). */
  static text(value: string): SqlValue {
    const v = new SqlValue();
    v.type = SqlType.Text;
    v.s = value;
    return v;
  }

  /** Bytes: binds as a BLOB. */
  static blob(value: Uint8Array): SqlValue {
    const v = new SqlValue();
    v.type = SqlType.Blob;
    v.b = value;
    return v;
  }

  /** A boolean: SQLite stores it as the integer 1 or 0; PostgreSQL binds a boolean. */
  static bool(value: bool): SqlValue {
    const v = new SqlValue();
    v.type = SqlType.Bool;
    v.i = value ? 1 : 0;
    return v;
  }

  /** True for SQL NULL. */
  get isNull(): bool {
    return this.type == SqlType.Null;
  }

  /** As an integer: a float truncated, a bool 0 or 1, text's leading decimal integer, 0 for NULL and blobs. */
  asInt(): i64 {
    switch (this.type) {
      case SqlType.Int:
      case SqlType.Bool:
        return this.i;
      case SqlType.Float:
        return isFinite(this.f) ? <i64>this.f : 0;
      case SqlType.Text:
        return I64.parseInt(this.s, 10);
    }
    return 0;
  }

  /** As a float: an integer or bool converted, text parsed, 0 for NULL and blobs. */
  asFloat(): f64 {
    switch (this.type) {
      case SqlType.Float:
        return this.f;
      case SqlType.Int:
      case SqlType.Bool:
        return <f64>this.i;
      case SqlType.Text:
        return F64.parseFloat(this.s);
    }
    return 0;
  }

  /** As text: numbers and bools in decimal (`true`/`false`), a blob as UTF-8, "" for NULL. */
  asText(): string {
    switch (this.type) {
      case SqlType.Text:
        return this.s;
      case SqlType.Int:
        return this.i.toString();
      case SqlType.Float:
        return this.f.toString();
      case SqlType.Bool:
        return this.i != 0 ? "true" : "false";
      case SqlType.Blob:
        return decodeUtf8(this.b!.dataStart, <usize>this.b!.length);
    }
    return "";
  }

  /** As bytes: a blob, text as UTF-8, empty for anything else. */
  asBlob(): Uint8Array {
    if (this.type == SqlType.Blob) return this.b!;
    if (this.type == SqlType.Text) return encodeUtf8(this.s);
    return new Uint8Array(0);
  }

  /** As a boolean: a non-zero number, or the text `true`/`1`; false for anything else. */
  asBool(): bool {
    switch (this.type) {
      case SqlType.Int:
      case SqlType.Bool:
        return this.i != 0;
      case SqlType.Float:
        return this.f != 0;
      case SqlType.Text:
        return this.s == "true" || this.s == "1";
    }
    return false;
  }

  /** @internal Writes the value as the ABI's JSON. */
  writeJson(w: Utf8Writer): void {
    switch (this.type) {
      case SqlType.Int:
        w.text(this.i.toString());
        break;
      case SqlType.Float:
        // AssemblyScript writes a whole float as "2.0": the host binds it as REAL.
        if (isFinite(this.f)) w.text(this.f.toString());
        else w.text("null");
        break;
      case SqlType.Text:
        w.jsonString(this.s);
        break;
      case SqlType.Blob: {
        const b = this.b!;
        w.text('{"blob":"');
        w.reserve(base64Size(b.length));
        w.ptr = writeBase64(w.ptr, b);
        w.text('"}');
        break;
      }
      case SqlType.Bool:
        w.text(this.i != 0 ? "true" : "false");
        break;
      default:
        w.text("null");
    }
  }
}

/** The integer of a literal `-?[0-9]+` that fits an i64; null for any other number. */
function integerOf(text: string): SqlValue | null {
  const n = text.length;
  const negative = n > 0 && text.charCodeAt(0) == 0x2d;
  let i = negative ? 1 : 0;
  if (i >= n) return null;
  // Accumulated as a negative number: i64's range holds one more below zero.
  let v: i64 = 0;
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return null;
    if (v < (i64.MIN_VALUE + d) / 10) return null;
    v = v * 10 - d;
  }
  if (!negative) {
    if (v == i64.MIN_VALUE) return null;
    v = -v;
  }
  return SqlValue.int(v);
}

/** Reads one value of a result (after white space): null, a bool, a number, a string or {"blob": "..."}. */
export function readSqlValue(r: JsonReader): SqlValue {
  r.skipSpace();
  const c = r.peek();
  if (c == 0x22) return SqlValue.text(r.readString());
  if (c == 0x6e) {
    r.skipValue(0);
    return SqlValue.null();
  }
  if (c == 0x74 || c == 0x66) {
    r.skipValue(0);
    return SqlValue.bool(c == 0x74);
  }
  if (c == 0x7b) {
    // {"blob": "<base64>"}
    r.pos++;
    let bytes: Uint8Array | null = null;
    if (!r.accept(0x7d)) {
      do {
        const key = r.readString();
        r.expect(0x3a, "expected ':'");
        if (key == "blob") bytes = decodeBase64(r.readString());
        else r.skipValue(1);
      } while (r.accept(0x2c));
      r.expect(0x7d, "expected ',' or '}'");
    }
    return SqlValue.blob(bytes !== null ? bytes : new Uint8Array(0));
  }
  const text = r.readNumberText();
  const int = integerOf(text);
  return int !== null ? int : SqlValue.float(F64.parseFloat(text));
}
