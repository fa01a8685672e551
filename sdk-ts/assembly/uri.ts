// Splitting and percent-decoding request URIs.

import { indexOfChar, indexOfEither, regionEquals } from "./strings";
import { decodeUtf8, encodeUtf8 } from "./utf8";

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
  if ((plusAsSpace ? indexOfEither(text, 0x25, 0x2b, 0) : indexOfChar(text, 0x25, 0)) < 0) return text;
  const bytes = encodeUtf8(text);
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
  return decodeUtf8(out.dataStart, <usize>o);
}

/** The part of a URI before `?` (the raw, still encoded, path). */
export function rawPathOf(uri: string): string {
  const end = indexOfEither(uri, 0x3f, 0x23, 0); // ? or #
  return end < 0 ? uri : uri.substring(0, end);
}

/** The part of a URI after `?`, without it; empty when there is none. */
export function rawQueryOf(uri: string): string {
  const q = indexOfEither(uri, 0x3f, 0x23, 0); // ? or #
  if (q < 0 || uri.charCodeAt(q) != 0x3f) return "";
  const h = indexOfChar(uri, 0x23, q + 1);
  return uri.substring(q + 1, h < 0 ? uri.length : h);
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
  const n = query.length;
  if (n == 0) return pairs;
  let start = 0;
  do {
    let stop = indexOfChar(query, 0x26, start); // &
    if (stop < 0) stop = n;
    if (stop > start) {
      const eq = indexOfChar(query, 0x3d, start); // =
      const name = eq < 0 || eq > stop ? query.substring(start, stop) : query.substring(start, eq);
      const value = eq < 0 || eq > stop ? "" : query.substring(eq + 1, stop);
      pairs.push(new QueryPair(percentDecode(name, true), percentDecode(value, true)));
    }
    start = stop + 1;
  } while (start < n);
  return pairs;
}

/**
 * The decoded value of the first query parameter `name` in `uri`, or null:
 * what parseQuery would give, without building the list. A parameter name
 * without `%` or `+` is compared where it is, without a copy.
 */
export function findQueryValue(uri: string, name: string): string | null {
  let q = indexOfEither(uri, 0x3f, 0x23, 0); // ? or #
  if (q < 0 || uri.charCodeAt(q) != 0x3f) return null;
  let end = indexOfChar(uri, 0x23, q + 1);
  if (end < 0) end = uri.length;
  let start = q + 1;
  if (start >= end) return null;
  do {
    let stop = indexOfChar(uri, 0x26, start); // &
    if (stop < 0 || stop > end) stop = end;
    if (stop > start) {
      let eq = indexOfChar(uri, 0x3d, start); // =
      if (eq < 0 || eq > stop) eq = stop;
      let match: bool;
      const special = indexOfEither(uri, 0x25, 0x2b, start); // % or +
      if (special >= 0 && special < eq) match = percentDecode(uri.substring(start, eq), true) == name;
      else match = eq - start == name.length && regionEquals(uri, start, name);
      if (match) return eq < stop ? percentDecode(uri.substring(eq + 1, stop), true) : "";
    }
    start = stop + 1;
  } while (start < end);
  return null;
}
