import { JsonReader, keyIs, startsWithAscii } from "./jsonread";
import { equalsIgnoreAsciiCase } from "./strings";

// The response is written by jsonwriter.ts, the request read by jsonread.ts:
// see there why neither uses json-as.

/**
 * The request object as it crosses the sandbox (docs/contract.md). Handlers
 * use {@link Request}, which wraps it; this class is the wire format only.
 *
 * decodeRequest checks the whole request but builds nothing: each field is
 * decoded from the request JSON the first time it is read (a handler that
 * never reads `host` or the headers does not pay for them). Fields can be
 * assigned like plain fields.
 */
export class WireRequest {
  // The reader over the request JSON, for decoding fields when first read.
  private reader: JsonReader | null = null;
  // Per field: where its JSON string starts in the request (0: absent or
  // null, read as ""), and its value once decoded or assigned.
  private at_method: usize = 0;
  private val_method: string | null = null;
  private at_uri: usize = 0;
  private val_uri: string | null = null;
  private at_body: usize = 0;
  private val_body: string | null = null;
  private at_body_encoding: usize = 0;
  private val_body_encoding: string | null = null;
  private at_trace_id: usize = 0;
  private val_trace_id: string | null = null;
  private at_host: usize = 0;
  private val_host: string | null = null;
  private at_remote_addr: usize = 0;
  private val_remote_addr: string | null = null;
  private at_proto: usize = 0;
  private val_proto: string | null = null;
  private at_headers: usize = 0;
  // The headers as decoded, in order, then as a Map when `headers` is read.
  private names: string[] | null = null;
  private values: Array<string[]> | null = null;
  private map: Map<string, string[]> | null = null;

  // The string whose opening quote is at `at`; "" for 0.
  private text(at: usize): string {
    const reader = this.reader;
    return at != 0 && reader !== null ? reader.readStringAt(at) : "";
  }

  /** HTTP method, upper case. */
  get method(): string {
    let v = this.val_method;
    if (v === null) this.val_method = v = this.text(this.at_method);
    return v;
  }

  set method(value: string) {
    this.val_method = value;
  }

  /** Path and query with their original percent-encoding. */
  get uri(): string {
    let v = this.val_uri;
    if (v === null) this.val_uri = v = this.text(this.at_uri);
    return v;
  }

  set uri(value: string) {
    this.val_uri = value;
  }

  /** The body: UTF-8 text, or base64 when `body_encoding` is "base64". */
  get body(): string {
    let v = this.val_body;
    if (v === null) this.val_body = v = this.text(this.at_body);
    return v;
  }

  set body(value: string) {
    this.val_body = value;
  }

  /** "base64" when the body is not valid UTF-8, else empty. */
  get body_encoding(): string {
    let v = this.val_body_encoding;
    if (v === null) this.val_body_encoding = v = this.text(this.at_body_encoding);
    return v;
  }

  set body_encoding(value: string) {
    this.val_body_encoding = value;
  }

  /** Trace context to log and continue. */
  get trace_id(): string {
    let v = this.val_trace_id;
    if (v === null) this.val_trace_id = v = this.text(this.at_trace_id);
    return v;
  }

  set trace_id(value: string) {
    this.val_trace_id = value;
  }

  /** The request's Host. */
  get host(): string {
    let v = this.val_host;
    if (v === null) this.val_host = v = this.text(this.at_host);
    return v;
  }

  set host(value: string) {
    this.val_host = value;
  }

  /** Client address as ip:port. */
  get remote_addr(): string {
    let v = this.val_remote_addr;
    if (v === null) this.val_remote_addr = v = this.text(this.at_remote_addr);
    return v;
  }

  set remote_addr(value: string) {
    this.val_remote_addr = value;
  }

  /** HTTP/1.1, HTTP/2.0 or HTTP/3.0. */
  get proto(): string {
    let v = this.val_proto;
    if (v === null) this.val_proto = v = this.text(this.at_proto);
    return v;
  }

  set proto(value: string) {
    this.val_proto = value;
  }

  /** Records where field `field`'s value starts in the JSON (see decodeRequest). */
  setRaw(reader: JsonReader, field: i32, at: usize): void {
    this.reader = reader;
    switch (field) {
      case METHOD:
        this.at_method = at;
        break;
      case URI:
        this.at_uri = at;
        break;
      case HEADERS:
        this.at_headers = at;
        break;
      case BODY:
        this.at_body = at;
        break;
      case BODY_ENCODING:
        this.at_body_encoding = at;
        break;
      case TRACE_ID:
        this.at_trace_id = at;
        break;
      case HOST:
        this.at_host = at;
        break;
      case REMOTE_ADDR:
        this.at_remote_addr = at;
        break;
      case PROTO:
        this.at_proto = at;
        break;
    }
  }

  // Decodes the headers into the two lists, once.
  private decodeHeaders(): void {
    if (this.names !== null) return;
    const names = new Array<string>();
    const values = new Array<string[]>();
    const reader = this.reader;
    if (this.at_headers != 0 && reader !== null) readHeaders(reader, this.at_headers, names, values);
    this.names = names;
    this.values = values;
  }

  /** Header name (canonical form) to every value, in order. */
  get headers(): Map<string, string[]> {
    let map = this.map;
    if (map === null) {
      this.decodeHeaders();
      map = new Map<string, string[]>();
      const names = this.names!;
      const values = this.values!;
      for (let i = 0, n = names.length; i < n; i++) map.set(names[i], values[i]);
      this.map = map;
    }
    return map;
  }

  set headers(map: Map<string, string[]>) {
    this.map = map;
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
    this.decodeHeaders();
    const names = this.names!;
    let i = names.length - 1;
    if (i < 0) return null;
    do {
      if (equalsIgnoreAsciiCase(names[i], name)) return this.values![i];
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

// A string field's value, skipped and checked: where it starts, or 0 for
// null (taken as empty).
function skipStringValue(r: JsonReader): usize {
  if (r.peek() == 0x22) return r.skipString(); // the usual case, tested first
  return r.acceptNull() ? 0 : r.skipString();
}

// `"headers": {"Name": ["value", ...], ...}` (or null), skipped and checked:
// where it starts, or 0 for null.
export function skipHeaders(r: JsonReader): usize {
  if (r.acceptNull()) return 0;
  r.skipSpace();
  const at = r.pos;
  r.expect(0x7b, "expected an object of headers");
  if (r.accept(0x7d)) return at;
  do {
    r.skipString();
    r.expect(0x3a, "expected ':'");
    r.expect(0x5b, "expected an array of strings (a header's values)");
    if (!r.accept(0x5d)) {
      // Most headers have one value: no loop for them.
      r.skipString();
      while (r.accept(0x2c)) r.skipString();
      r.expect(0x5d, "expected ',' or ']'");
    }
  } while (r.accept(0x2c));
  r.expect(0x7d, "expected ',' or '}'");
  return at;
}

// Reads the headers object skipHeaders checked at `at` into the lists.
export function readHeaders(r: JsonReader, at: usize, names: string[], values: Array<string[]>): void {
  r.pos = at + 1;
  if (r.accept(0x7d)) return;
  do {
    names.push(r.readString());
    r.expect(0x3a, "expected ':'");
    r.expect(0x5b, "expected an array");
    let list: string[];
    if (r.accept(0x5d)) {
      list = new Array<string>();
    } else {
      list = [r.readString()];
      while (r.accept(0x2c)) list.push(r.readString());
      r.expect(0x5d, "expected ',' or ']'");
    }
    values.push(list);
  } while (r.accept(0x2c));
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
    let field = -1;
    do {
      // The host writes the fields in one order, without white space: the
      // key that usually comes next is compared in one step, with its colon.
      field = expectedAfter(field);
      const key = keyToken(field);
      if (key.length > 0 && startsWithAscii(r.pos, key)) {
        r.pos += key.length;
      } else {
        const n = r.readShortKey();
        field = n >= 0 ? fieldOfBytes(r.keyStart(n), n) : fieldOfString(r.readString());
        r.expect(0x3a, "expected ':'");
      }
      if (field == HEADERS) req.setRaw(r, field, skipHeaders(r));
      else if (field >= 0) req.setRaw(r, field, skipStringValue(r));
      else r.skipValue(0);
    } while (r.accept(0x2c));
    r.expect(0x7d, "expected ',' or '}'");
  }
  r.expectEnd();
  return req;
}

// The field the host writes after `field` (-1: the first one); -1 after the last.
function expectedAfter(field: i32): i32 {
  switch (field) {
    case -1:
      return METHOD;
    case METHOD:
      return URI;
    case URI:
      return HEADERS;
    case HEADERS:
      return BODY;
    case BODY:
    case BODY_ENCODING:
      return TRACE_ID;
    case TRACE_ID:
      return HOST;
    case HOST:
      return REMOTE_ADDR;
    case REMOTE_ADDR:
      return PROTO;
  }
  return -1;
}

// The key of `field` as it is written, quotes and colon included ("" for -1).
function keyToken(field: i32): string {
  switch (field) {
    case METHOD:
      return '"method":';
    case URI:
      return '"uri":';
    case HEADERS:
      return '"headers":';
    case BODY:
      return '"body":';
    case BODY_ENCODING:
      return '"body_encoding":';
    case TRACE_ID:
      return '"trace_id":';
    case HOST:
      return '"host":';
    case REMOTE_ADDR:
      return '"remote_addr":';
    case PROTO:
      return '"proto":';
  }
  return "";
}

/**
 * Decodes a request JSON given as bytes (a copy is made with the padding
 * decodeRequest needs). For tests and tools; `serve` reads stdin directly.
 */
export function decodeRequestBytes(bytes: Uint8Array): WireRequest {
  const n = <usize>bytes.length;
  const buffer = heap.alloc(n + 32);
  memory.copy(buffer, bytes.dataStart, n);
  memory.fill(buffer + n, 0, 32);
  return decodeRequest(buffer, n);
}
