// Splitting and percent-decoding request URIs.

function hexValue(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Percent-decodes `text` (UTF-8 sequences included). With `plusAsSpace`
 * (query strings, HTML forms) `+` becomes a space. A `%` not followed by two
 * hex digits is kept as it is, never an error.
 */
export function percentDecode(text: string, plusAsSpace: bool = false): string {
  if (text.indexOf("%") < 0 && (!plusAsSpace || text.indexOf("+") < 0)) return text;
  const src = String.UTF8.encode(text);
  const bytes = Uint8Array.wrap(src);
  const out = new Uint8Array(bytes.length);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = <i32>bytes[i];
    if (c == 37 && i + 2 < bytes.length) {
      const hi = hexValue(<i32>bytes[i + 1]);
      const lo = hexValue(<i32>bytes[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[o++] = <u8>((hi << 4) | lo);
        i += 2;
        continue;
      }
    }
    out[o++] = plusAsSpace && c == 43 ? 32 : <u8>c;
  }
  return String.UTF8.decodeUnsafe(out.dataStart, <usize>o);
}

/** The part of a URI before `?` (the raw, still encoded, path). */
export function rawPathOf(uri: string): string {
  const q = uri.indexOf("?");
  const path = q < 0 ? uri : uri.substring(0, q);
  const h = path.indexOf("#");
  return h < 0 ? path : path.substring(0, h);
}

/** The part of a URI after `?`, without it; empty when there is none. */
export function rawQueryOf(uri: string): string {
  const q = uri.indexOf("?");
  if (q < 0) return "";
  const query = uri.substring(q + 1);
  const h = query.indexOf("#");
  return h < 0 ? query : query.substring(0, h);
}

/** One decoded `name=value` pair of a query string. */
export class QueryPair {
  constructor(
    /** The decoded name. */
    public name: string,
    /** The decoded value; empty for `?flag`. */
    public value: string,
  ) {}
}

/** Parses a raw query string (`a=1&b=x%20y`) into decoded pairs, in order. */
export function parseQuery(query: string): QueryPair[] {
  const pairs = new Array<QueryPair>();
  if (query.length == 0) return pairs;
  const parts = query.split("&");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.length == 0) continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.substring(0, eq);
    const value = eq < 0 ? "" : part.substring(eq + 1);
    pairs.push(new QueryPair(percentDecode(name, true), percentDecode(value, true)));
  }
  return pairs;
}
