import { JSON } from "json-as";
import { canonicalHeaderName, findHeaderKey } from "./headers";
import { responseSizeHint, writeResponseJson } from "./jsonwriter";
import { equalsIgnoreAsciiCase } from "./strings";
import { decodeUtf8, Utf8Writer } from "./utf8";

/** `Content-Type` of `Response.text`. */
export const TEXT_PLAIN = "text/plain; charset=utf-8";
/** `Content-Type` of `Response.json`. */
export const APPLICATION_JSON = "application/json";
/** Default `Content-Type` of `Response.bytes`. */
export const OCTET_STREAM = "application/octet-stream";

/**
 * The HTTP response a handler returns. Build it with `Response.text`,
 * `Response.json`, `Response.bytes` or `Response.empty`, then adjust `status`
 * and headers; `serve` writes it to stdout in the wire format.
 */
export class Response {
  /** The HTTP status code (100..599). */
  status: i32;
  private textBody: string = "";
  private binaryBody: Uint8Array | null = null;
  // The headers as two parallel lists (canonical name, values): a response
  // has a few, and a Map would hash every name at every call. The Map is
  // built only when `headers` is read, and from then on it holds them.
  private names: string[] = [];
  private values: Array<string[]> = [];
  private map: Map<string, string[]> | null = null;

  /** An empty response with `status`. */
  constructor(status: i32 = 200) {
    this.status = status;
  }

  /** Header name (canonical form) → values. Prefer `setHeader`/`appendHeader`. */
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

  /** A UTF-8 text response, `Content-Type: text/plain; charset=utf-8`. */
  static text(body: string, status: i32 = 200): Response {
    const r = new Response(status);
    r.textBody = body;
    r.setHeader("Content-Type", TEXT_PLAIN);
    return r;
  }

  /** A JSON response: `value` serialized by json-as, `Content-Type: application/json`. */
  static json<T>(value: T, status: i32 = 200): Response {
    const r = new Response(status);
    r.textBody = JSON.stringify<T>(value);
    r.setHeader("Content-Type", APPLICATION_JSON);
    return r;
  }

  /** A binary response; the bytes reach the client unchanged. */
  static bytes(data: Uint8Array, status: i32 = 200, contentType: string = OCTET_STREAM): Response {
    const r = new Response(status);
    r.binaryBody = data;
    r.setHeader("Content-Type", contentType);
    return r;
  }

  /** A response without a body (default 204 No Content). */
  static empty(status: i32 = 204): Response {
    return new Response(status);
  }

  /** A redirect to `location` (default 302 Found). */
  static redirect(location: string, status: i32 = 302): Response {
    const r = new Response(status);
    r.setHeader("Location", location);
    return r;
  }

  // The index of header `name` (any case) in the lists; -1 when absent.
  private indexOf(name: string): i32 {
    const names = this.names;
    let i = names.length - 1;
    if (i < 0) return -1;
    do {
      if (equalsIgnoreAsciiCase(names[i], name)) return i;
    } while (--i >= 0);
    return -1;
  }

  /** Sets header `name` to the single `value`, replacing any value it had. */
  setHeader(name: string, value: string): Response {
    const map = this.map;
    if (map !== null) {
      const existing = findHeaderKey(map, name);
      if (existing !== null) map.delete(existing);
      map.set(canonicalHeaderName(name), [value]);
      return this;
    }
    const i = this.indexOf(name);
    if (i >= 0) {
      this.names.splice(i, 1);
      this.values.splice(i, 1);
    }
    this.names.push(canonicalHeaderName(name));
    this.values.push([value]);
    return this;
  }

  /** Adds `value` to header `name`, after any values it already has. */
  appendHeader(name: string, value: string): Response {
    const map = this.map;
    if (map !== null) {
      const existing = findHeaderKey(map, name);
      if (existing === null) map.set(canonicalHeaderName(name), [value]);
      else map.get(existing).push(value);
      return this;
    }
    const i = this.indexOf(name);
    if (i >= 0) {
      this.values[i].push(value);
    } else {
      this.names.push(canonicalHeaderName(name));
      this.values.push([value]);
    }
    return this;
  }

  /** Removes header `name` (any case). */
  deleteHeader(name: string): Response {
    const map = this.map;
    if (map !== null) {
      const existing = findHeaderKey(map, name);
      if (existing !== null) map.delete(existing);
      return this;
    }
    const i = this.indexOf(name);
    if (i >= 0) {
      this.names.splice(i, 1);
      this.values.splice(i, 1);
    }
    return this;
  }

  /** The first value of header `name` (any case); null when absent. */
  header(name: string): string | null {
    let values: string[];
    const map = this.map;
    if (map !== null) {
      const existing = findHeaderKey(map, name);
      if (existing === null) return null;
      values = map.get(existing);
    } else {
      const i = this.indexOf(name);
      if (i < 0) return null;
      values = this.values[i];
    }
    return values.length > 0 ? values[0] : null;
  }

  /** The body as text (a binary body is decoded as UTF-8). */
  text(): string {
    const binary = this.binaryBody;
    if (binary !== null) return decodeUtf8(binary.dataStart, <usize>binary.length);
    return this.textBody;
  }

  /** Writes this response as the contract's JSON object (docs/contract.md) to `w`. */
  writeTo(w: Utf8Writer): void {
    const map = this.map;
    if (map !== null) writeResponseJson(w, this.status, map.keys(), map.values(), this.textBody, this.binaryBody);
    else writeResponseJson(w, this.status, this.names, this.values, this.textBody, this.binaryBody);
  }

  /** A buffer of about the right size for writeTo. */
  newWriter(): Utf8Writer {
    const map = this.map;
    return new Utf8Writer(responseSizeHint(map !== null ? map.size : this.names.length, this.textBody, this.binaryBody));
  }

  /** This response as the UTF-8 JSON object `serve` writes to stdout (docs/contract.md). */
  encode(): Uint8Array {
    const w = this.newWriter();
    this.writeTo(w);
    const out = new Uint8Array(<i32>w.length);
    memory.copy(out.dataStart, w.start, w.length);
    return out;
  }
}
