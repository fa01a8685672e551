import { JSON } from "json-as";
import { canonicalHeaderName, findHeaderKey } from "./headers";
import { encodeResponseJson } from "./jsonwriter";

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
  /** Header name (canonical form) → values. Prefer `setHeader`/`appendHeader`. */
  headers: Map<string, string[]> = new Map<string, string[]>();
  private textBody: string = "";
  private binaryBody: Uint8Array | null = null;

  /** An empty response with `status`. */
  constructor(status: i32 = 200) {
    this.status = status;
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

  /** Sets header `name` to the single `value`, replacing any value it had. */
  setHeader(name: string, value: string): Response {
    const existing = findHeaderKey(this.headers, name);
    if (existing !== null) this.headers.delete(existing);
    this.headers.set(canonicalHeaderName(name), [value]);
    return this;
  }

  /** Adds `value` to header `name`, after any values it already has. */
  appendHeader(name: string, value: string): Response {
    const existing = findHeaderKey(this.headers, name);
    if (existing === null) {
      this.headers.set(canonicalHeaderName(name), [value]);
    } else {
      this.headers.get(existing).push(value);
    }
    return this;
  }

  /** Removes header `name` (any case). */
  deleteHeader(name: string): Response {
    const existing = findHeaderKey(this.headers, name);
    if (existing !== null) this.headers.delete(existing);
    return this;
  }

  /** The first value of header `name` (any case); null when absent. */
  header(name: string): string | null {
    const existing = findHeaderKey(this.headers, name);
    if (existing === null) return null;
    const values = this.headers.get(existing);
    return values.length > 0 ? values[0] : null;
  }

  /** The body as text (a binary body is decoded as UTF-8). */
  text(): string {
    const binary = this.binaryBody;
    if (binary !== null) return String.UTF8.decodeUnsafe(binary.dataStart, <usize>binary.length);
    return this.textBody;
  }

  /** This response as the UTF-8 JSON object `serve` writes to stdout (docs/contract.md). */
  encode(): Uint8Array {
    return encodeResponseJson(this.status, this.headers, this.textBody, this.binaryBody);
  }
}
