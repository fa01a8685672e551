import { JsonReader, keyIs } from "./jsonread";
import { equalsIgnoreAsciiCase } from "./strings";

// The response is written by jsonwriter.ts, the request read by jsonread.ts:
// see there why neither uses json-as.

/**
 * The request object as it crosses the sandbox (docs/contract.md). Handlers
 * use {@link Request}, which wraps it; this class is the wire format only.
 */
export class WireRequest {
  /** HTTP method, upper case. */
  method: string = "";
  /** Path and query with their original percent-encoding. */
  uri: string = "";
  /** The body: UTF-8 text, or base64 when `body_encoding` is "base64". */
  body: string = "";
  /** "base64" when the body is not valid UTF-8, else empty. */
  body_encoding: string = "";
  /** Trace context to log and continue. */
  trace_id: string = "";
  /** The request's Host. */
  host: string = "";
  /** Client address as ip:port. */
  remote_addr: string = "";
  /** HTTP/1.1, HTTP/2.0 or HTTP/3.0. */
  proto: string = "";

  // The headers as decoded, in order: most handlers read one or two of them,
  // or none, so the Map (hashing every name) is built only when asked for.
  private names: string[] = [];
  private values: Array<string[]> = [];
  private map: Map<string, string[]> | null = null;

  /** Header name (canonical form) to every value, in order. */
  get headers(): Map<string, string[]> {
    let map = this.map;
    if (map === null) {
      map = new Map<string, string[]>();
      const names = this.names;
      for (let i = 0, n = names.length; i < n; i++) map.set(names[i], this.values[i]);
      this.map = map;
    }
    return map;
  }

  set headers(map: Map<string, string[]>) {
    this.map = map;
  }

  /** Adds a decoded header (a repeated name: the last one wins, as in a Map). */
  addHeader(name: string, values: string[]): void {
    this.names.push(name);
    this.values.push(values);
  }

  /**
   * The values of the header named `name` in any case; null when there is
   * none. When two names differ only in case (the host never sends that),
   * the last one wins.
   */
  headerValues(name: string): string[] | null {
    const map = this.map;
    if (map !== null) {
      if (map.has(name)) return map.get(name);
      const keys = map.keys();
      for (let i = keys.length - 1; i >= 0; i--) {
        if (equalsIgnoreAsciiCase(keys[i], name)) return map.get(keys[i]);
      }
      return null;
    }
    const names = this.names;
    let i = names.length - 1;
    if (i < 0) return null;
    do {
      if (equalsIgnoreAsciiCase(names[i], name)) return this.values[i];
    } while (--i >= 0);
    return null;
  }
}

// Which field a key is; -1 for one the SDK does not know (skipped, as the
// contract requires).
// @ts-ignore: decorator
@inline const METHOD = 0;
// @ts-ignore: decorator
@inline const URI = 1;
// @ts-ignore: decorator
@inline const HEADERS = 2;
// @ts-ignore: decorator
@inline const BODY = 3;
// @ts-ignore: decorator
@inline const BODY_ENCODING = 4;
// @ts-ignore: decorator
@inline const TRACE_ID = 5;
// @ts-ignore: decorator
@inline const HOST = 6;
// @ts-ignore: decorator
@inline const REMOTE_ADDR = 7;
// @ts-ignore: decorator
@inline const PROTO = 8;

function fieldOfBytes(p: usize, n: i32): i32 {
  switch (n) {
    case 3:
      return keyIs(p, n, "uri") ? URI : -1;
    case 4:
      return keyIs(p, n, "body") ? BODY : keyIs(p, n, "host") ? HOST : -1;
    case 5:
      return keyIs(p, n, "proto") ? PROTO : -1;
    case 6:
      return keyIs(p, n, "method") ? METHOD : -1;
    case 7:
      return keyIs(p, n, "headers") ? HEADERS : -1;
    case 8:
      return keyIs(p, n, "trace_id") ? TRACE_ID : -1;
    case 11:
      return keyIs(p, n, "remote_addr") ? REMOTE_ADDR : -1;
    case 13:
      return keyIs(p, n, "body_encoding") ? BODY_ENCODING : -1;
  }
  return -1;
}

function fieldOfString(key: string): i32 {
  if (key == "method") return METHOD;
  if (key == "uri") return URI;
  if (key == "headers") return HEADERS;
  if (key == "body") return BODY;
  if (key == "trace_id") return TRACE_ID;
  if (key == "host") return HOST;
  if (key == "remote_addr") return REMOTE_ADDR;
  if (key == "proto") return PROTO;
  if (key == "body_encoding") return BODY_ENCODING;
  return -1;
}

// A string field's value; null is taken as empty.
function stringValue(r: JsonReader): string {
  return r.acceptNull() ? "" : r.readString();
}

// `"headers": {"Name": ["value", ...], ...}` (or null).
function readHeaders(r: JsonReader, req: WireRequest): void {
  if (r.acceptNull()) return;
  r.expect(0x7b, "expected an object of headers");
  if (r.accept(0x7d)) return;
  do {
    const name = r.readString();
    r.expect(0x3a, "expected ':'");
    r.expect(0x5b, "expected an array of strings (a header's values)");
    let values: string[];
    if (r.accept(0x5d)) {
      values = new Array<string>();
    } else {
      // Most headers have one value: no loop for them.
      values = [r.readString()];
      while (r.accept(0x2c)) values.push(r.readString());
      r.expect(0x5d, "expected ',' or ']'");
    }
    req.addHeader(name, values);
  } while (r.accept(0x2c));
  r.expect(0x7d, "expected ',' or '}'");
}

/**
 * Decodes the request JSON (UTF-8) at `ptr`. The `length` bytes must be
 * followed by 32 readable bytes, the first of them 0 (see JsonReader).
 * Throws (the handler then answers 500 and logs why) when it is not one JSON
 * object with string fields and headers as the contract describes; unknown
 * fields are skipped.
 */
export function decodeRequest(ptr: usize, length: usize): WireRequest {
  const r = new JsonReader(ptr, length);
  const req = new WireRequest();
  r.expect(0x7b, "expected the request object");
  if (!r.accept(0x7d)) {
    do {
      const n = r.readShortKey();
      const field = n >= 0 ? fieldOfBytes(r.keyStart(n), n) : fieldOfString(r.readString());
      r.expect(0x3a, "expected ':'");
      switch (field) {
        case METHOD:
          req.method = stringValue(r);
          break;
        case URI:
          req.uri = stringValue(r);
          break;
        case HEADERS:
          readHeaders(r, req);
          break;
        case BODY:
          req.body = stringValue(r);
          break;
        case BODY_ENCODING:
          req.body_encoding = stringValue(r);
          break;
        case TRACE_ID:
          req.trace_id = stringValue(r);
          break;
        case HOST:
          req.host = stringValue(r);
          break;
        case REMOTE_ADDR:
          req.remote_addr = stringValue(r);
          break;
        case PROTO:
          req.proto = stringValue(r);
          break;
        default:
          r.skipValue(0);
      }
    } while (r.accept(0x2c));
    r.expect(0x7d, "expected ',' or '}'");
  }
  r.expectEnd();
  return req;
}
