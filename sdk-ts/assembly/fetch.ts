import { fetch_body, fetch_close, fetch_head, fetch_send, outCell, outU32, STATUS_BUFFER_TOO_SMALL, STATUS_OK, statusName } from "./abi";
import { canonicalHeaderName, findHeaderKey } from "./headers";
import { JsonReader } from "./jsonread";
import { writeHeaderMap } from "./jsonwriter";
import { decodeUtf8, encodeUtf8, Utf8Writer } from "./utf8";
import { readHeaders, skipHeaders } from "./wire";

/** How to send an outbound request: method, headers, body. Setters chain. */
export class FetchInit {
  /** Header name (canonical form) → values. */
  headers: Map<string, string[]> = new Map<string, string[]>();
  /** The body's bytes; null: none. */
  body: Uint8Array | null = null;

  constructor(
    /** The method: `GET` unless set. */
    public method: string = "GET",
  ) {}

  /** Replaces the header `name` (any case) with one value. */
  setHeader(name: string, value: string): FetchInit {
    const key = findHeaderKey(this.headers, name);
    if (key !== null) this.headers.delete(key);
    this.headers.set(canonicalHeaderName(name), [value]);
    return this;
  }

  /** Adds a value to the header `name` (any case). */
  appendHeader(name: string, value: string): FetchInit {
    const key = findHeaderKey(this.headers, name);
    if (key === null) this.headers.set(canonicalHeaderName(name), [value]);
    else this.headers.get(key).push(value);
    return this;
  }

  /** Sets the body to `text` in UTF-8. */
  setBody(text: string): FetchInit {
    this.body = encodeUtf8(text);
    return this;
  }

  /** Sets the body's bytes. */
  setBodyBytes(bytes: Uint8Array): FetchInit {
    this.body = bytes;
    return this;
  }
}

/**
 * The answer to `fetch`. `status` is the HTTP status, or 0 when the call
 * failed; then `error` says why, with the words of `kv.lastError()`.
 */
export class FetchResponse {
  /** The HTTP status; 0 when the call failed. */
  status: i32 = 0;
  /** Header name (canonical form) → values. */
  headers: Map<string, string[]> = new Map<string, string[]>();
  /** Why the call failed: `denied`, `timeout`, `too_large`, `unavailable`, `io_error`, `limit`, `invalid`; null when it did not. */
  error: string | null = null;
  private body: Uint8Array = new Uint8Array(0);

  /** True for a status from 200 to 299. */
  get ok(): bool {
    return this.status >= 200 && this.status <= 299;
  }

  /** The first value of the header `name` (any case); null when absent. */
  header(name: string): string | null {
    const key = findHeaderKey(this.headers, name);
    if (key === null) return null;
    const values = this.headers.get(key);
    return values.length > 0 ? values[0] : null;
  }

  /** The body as UTF-8 text (invalid sequences become U+FFFD). */
  text(): string {
    return decodeUtf8(this.body.dataStart, <usize>this.body.length);
  }

  /** The body's bytes. */
  bytes(): Uint8Array {
    return this.body;
  }

  /** @internal A failed call. */
  static failed(status: i32): FetchResponse {
    const res = new FetchResponse();
    res.error = statusName(status);
    return res;
  }

  /** @internal Sets the body. */
  setBody(body: Uint8Array): void {
    this.body = body;
  }
}

// The status of the last readPart (static memory, not a global).
// @ts-ignore: decorator
@lazy const partStatus = memory.data(4);

/** The status of the last failed readPart. */
export function readPartStatus(): i32 {
  return load<i32>(partStatus);
}

/**
 * Reads the head (`body` false) or body held under a handle (a fetch
 * response, an AI answer, an SQL result, an object) into a new ArrayBuffer
 * of exactly its size, with `slack` zero bytes after it (for JsonReader);
 * retries with the size the host reports, never truncates. 0 on a failure,
 * its status in readPartStatus().
 */
export function readPart(handle: u32, body: bool, size: usize, slack: usize): usize {
  let cap = size;
  let buf = __new(cap + slack, idof<ArrayBuffer>());
  let status = body ? fetch_body(handle, buf, cap, outCell) : fetch_head(handle, buf, cap, outCell);
  while (status == STATUS_BUFFER_TOO_SMALL) {
    cap = <usize>outU32();
    buf = __new(cap + slack, idof<ArrayBuffer>());
    status = body ? fetch_body(handle, buf, cap, outCell) : fetch_head(handle, buf, cap, outCell);
  }
  store<i32>(partStatus, status);
  if (status != STATUS_OK) return 0;
  const n = <usize>outU32();
  if (n != cap) buf = __renew(buf, n + slack);
  if (slack > 0) memory.fill(buf + n, 0, slack);
  return buf;
}

// Decodes the head `{"status":200,"headers":{...}}` the host wrote.
function decodeHead(ptr: usize, length: usize, res: FetchResponse): void {
  const r = new JsonReader(ptr, length);
  r.expect(0x7b, "expected the response head");
  if (r.accept(0x7d)) return;
  do {
    const key = r.readString();
    r.expect(0x3a, "expected ':'");
    r.skipSpace();
    if (key == "status") {
      let status = 0;
      let c = <i32>r.peek();
      while (c >= 0x30 && c <= 0x39) {
        status = status * 10 + c - 0x30;
        r.pos++;
        c = <i32>r.peek();
      }
      res.status = status;
    } else if (key == "headers") {
      const at = skipHeaders(r);
      if (at != 0) {
        const after = r.pos;
        const names = new Array<string>();
        const values = new Array<string[]>();
        readHeaders(r, at, names, values);
        for (let i = 0; i < names.length; i++) res.headers.set(names[i], values[i]);
        r.pos = after;
      }
    } else {
      r.skipValue(0);
    }
  } while (r.accept(0x2c));
}

/**
 * Sends an HTTP request through the host, to an origin the handler's
 * `fetch` allow-list names, and returns the whole response. Never aborts:
 * a failed call is `status` 0 with `error` set; an HTTP error status (404,
 * 500...) is a response like any other.
 *
 * ```ts
 * const res = fetch("https://api.example.com/v1/items", new FetchInit("POST").setHeader("Content-Type", "application/json").setBody('{"a":1}'));
 * if (res.error !== null) return Response.text("upstream: " + res.error!, 502);
 * ```
 */
export function fetch(url: string, init: FetchInit | null = null): FetchResponse {
  const w = new Utf8Writer(<usize>url.length + 48);
  w.text('{"method":');
  w.jsonString(init !== null ? init.method : "GET");
  w.text(',"url":');
  w.jsonString(url);
  let bodyPtr: usize = 0;
  let bodyLen: usize = 0;
  if (init !== null) {
    if (init.headers.size > 0) {
      w.text(',"headers":{');
      writeHeaderMap(w, init.headers);
      w.byte(0x7d);
    }
    const body = init.body;
    if (body !== null) {
      bodyPtr = body.dataStart;
      bodyLen = <usize>body.length;
    }
  }
  w.byte(0x7d);
  const status = fetch_send(w.start, w.length, bodyPtr, bodyLen, outCell);
  if (status != STATUS_OK) return FetchResponse.failed(status);
  const handle = outU32(0);
  const headSize = <usize>outU32(4);
  const bodySize = <usize>outU32(8);
  const res = new FetchResponse();
  const head = readPart(handle, false, headSize, 32);
  if (head == 0) {
    fetch_close(handle);
    return FetchResponse.failed(load<i32>(partStatus));
  }
  decodeHead(head, <usize>changetype<ArrayBuffer>(head).byteLength - 32, res);
  const body = readPart(handle, true, bodySize, 0);
  fetch_close(handle);
  if (body == 0) return FetchResponse.failed(load<i32>(partStatus));
  res.setBody(Uint8Array.wrap(changetype<ArrayBuffer>(body)));
  return res;
}
