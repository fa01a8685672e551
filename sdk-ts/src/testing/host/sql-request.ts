// The request of sql_query and sql_exec (docs/host-abi.md), decoded as the
// Go host decodes it (host/sql.go, DecodeSQLRequest): db and sql required,
// unknown members ignored, null the zero value; a param is null, a bool, a
// number (an integer literal that fits an i64 is an integer, any other
// number a float), a string or {"blob": "<base64>"}. JSON.parse would round
// integers past 2^53, so numbers are read from their text (json-exact.ts).
import { JsonNumber, parseExact, type Json } from "./json-exact.js";

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** A bound value: bigint for an integer, number for a float. */
export type SqlParam = null | boolean | bigint | number | string | Uint8Array;

/** A decoded request. */
export interface SqlRequest {
  db: string;
  sql: string;
  params: SqlParam[];
}

/** Standard base64 with padding, as Go's base64.StdEncoding reads it (line breaks ignored); null when it is not. */
export function strictBase64(text: string): Uint8Array | null {
  const s = text.replace(/[\r\n]/g, "");
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  return new Uint8Array(Buffer.from(s, "base64"));
}

function param(v: Json): SqlParam {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof JsonNumber) {
    if (!/[.eE]/.test(v.text)) {
      const n = BigInt(v.text);
      if (n >= I64_MIN && n <= I64_MAX) return n;
    }
    const f = Number(v.text);
    if (!Number.isFinite(f)) throw new Error(`${v.text} is not a float64`);
    return f;
  }
  if (Array.isArray(v)) throw new Error("an array is not a value");
  const keys = Object.keys(v);
  const blob = v["blob"];
  if (keys.length !== 1 || typeof blob !== "string") throw new Error('an object value is {"blob": "<base64>"}');
  const bytes = strictBase64(blob);
  if (bytes === null) throw new Error("blob is not base64");
  return bytes;
}

/** Decodes a request; null when it is malformed (the call is `invalid`). */
export function decodeSqlRequest(text: string): SqlRequest | null {
  try {
    const v = parseExact(text);
    // As json.Unmarshal into a struct: null is no member at all; anything but an object is an error.
    const fields = v === null ? {} : v;
    if (typeof fields !== "object" || Array.isArray(fields) || fields instanceof JsonNumber) return null;
    const db = fields["db"] ?? "";
    const sql = fields["sql"] ?? "";
    const params = fields["params"] ?? [];
    if (typeof db !== "string" || typeof sql !== "string" || !Array.isArray(params)) return null;
    if (db === "" || sql === "") return null;
    return { db, sql, params: params.map(param) };
  } catch {
    return null;
  }
}
