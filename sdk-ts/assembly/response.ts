import { JSON } from "json-as";
import { canonicalHeaderName, findHeaderKey } from "./headers";
import { responseSizeHint, writeHeader, writeHeaderMap, writeResponseEnd, writeResponseStart } from "./jsonwriter";
import { equalsIgnoreAsciiCase } from "./strings";
import { decodeUtf8, Utf8Writer } from "./utf8";

/** `Content-Type` of `Response.text`. */
export const TEXT_PLAIN = "text/plain; charset=utf-8";
/** `Content-Type` of `Response.json`. */
export const APPLICATION_JSON = "application/json";
/** Default `Content-Type` of `Response.bytes`. */
export const OCTET_STREAM = "application/octet-stream";

/** One response header: its canonical name, its values, the next header. */
class HeaderEntry {
  /** The values after `value`, when there are more. */
  more: string[] | null = null;
  next: HeaderEntry | null = null;

  constructor(
    public name: string,
    public value: string,
  ) {}

  /** Every value, in order. */
  values(): string[] {
    const values = [this.value];
    const more = this.more;
    if (more !== null) for (let i = 0; i < more.length; i++) values.push(more[i]);
    return values;
  }
}

/**
 * The HTTP response a handler returns. Build it with `Response.text`,
 * `Response.json`, `Response.bytes` or `Response.empty`, then adjust `status`
 * and headers; `serve` writes it to stdout in the wire format.
 */
export class Response {
  /** The HTTP status code: a final status, 200..599 (the host answers anything else with 502). */
  status: i32;
  private textBody: string = "";
  private binaryBody: Uint8Array | null = null;
  // The headers as a list of entries: a response has a few, and a Map would
  // hash every name at every call (and cost several allocations per header).
  // The Map is built only when `headers` is read, and from then on it holds
  // them.
  private first: HeaderEntry | null = null;
  private last: HeaderEntry | null = null;
  private count: i32 = 0;
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
      for (let e = this.first; e !== null; e = e.next) map.set(e.name, e.values());
      this.map = map;
      this.first = null;
      this.last = null;
      this.count = 0;
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

  // The entry of header `name` (any case); null when absent.
  private find(name: string): HeaderEntry | null {
    let e = this.first;
    if (e === null) return null;
    do {
      if (equalsIgnoreAsciiCase(e.name, name)) return e;
      e = e.next;
    } while (e !== null);
    return null;
  }

  // Adds a header at the end.
  private add(name: string, value: string): void {
    const entry = new HeaderEntry(canonicalHeaderName(name), value);
    const last = this.last;
    if (last === null) this.first = entry;
    else last.next = entry;
    this.last = entry;
    this.count++;
  }

  // Removes `entry` from the list.
  private remove(entry: HeaderEntry): void {
    let before: HeaderEntry | null = null;
    if (this.first === entry) {
      this.first = entry.next;
    } else {
      before = this.first;
      while (before !== null && before.next !== entry) before = before.next;
      if (before !== null) before.next = entry.next;
    }
    if (this.last === entry) this.last = before;
    this.count--;
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
    const e = this.find(name);
    if (e !== null) this.remove(e);
    this.add(name, value);
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
    const e = this.find(name);
    if (e === null) {
      this.add(name, value);
    } else {
      const more = e.more;
      if (more === null) e.more = [value];
      else more.push(value);
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
    const e = this.find(name);
    if (e !== null) this.remove(e);
    return this;
  }

  /** The first value of header `name` (any case); null when absent. */
  header(name: string): string | null {
    const map = this.map;
    if (map !== null) {
      const existing = findHeaderKey(map, name);
      if (existing === null) return null;
      const values = map.get(existing);
      return values.length > 0 ? values[0] : null;
    }
    const e = this.find(name);
    return e !== null ? e.value : null;
  }

  /** The body as text (a binary body is decoded as UTF-8). */
  text(): string {
    const binary = this.binaryBody;
    if (binary !== null) return decodeUtf8(binary.dataStart, <usize>binary.length);
    return this.textBody;
  }

  /** Writes this response as the contract's JSON object (docs/contract.md) to `w`. */
  writeTo(w: Utf8Writer): void {
    writeResponseStart(w, this.status);
    const map = this.map;
    if (map !== null) {
      writeHeaderMap(w, map);
    } else {
      let e = this.first;
      if (e !== null) {
        let first = true;
        do {
          writeHeader(w, first, e.name, e.value, e.more);
          first = false;
          e = e.next;
        } while (e !== null);
      }
    }
    writeResponseEnd(w, this.textBody, this.binaryBody);
  }

  /** A buffer of about the right size for writeTo. */
  newWriter(): Utf8Writer {
    const map = this.map;
    return new Utf8Writer(responseSizeHint(map !== null ? map.size : this.count, this.textBody, this.binaryBody));
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
