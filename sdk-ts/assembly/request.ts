import { JSON } from "json-as";
import { decodeBase64 } from "./base64";
import { findQueryValue, parseQuery, percentDecode, QueryPair, rawPathOf, rawQueryOf } from "./uri";
import { decodeUtf8, encodeUtf8 } from "./utf8";
import { WireRequest } from "./wire";

/**
 * The HTTP request a handler receives. Built by `serve` from the JSON the
 * host writes to stdin; the accessors hide the wire format (base64 bodies,
 * percent-encoding, header name case).
 */
export class Request {
  /** The wire object this request wraps. */
  readonly wire: WireRequest;
  private queryPairs: QueryPair[] | null = null;
  private bodyBytes: Uint8Array | null = null;
  private bodyText: string | null = null;
  private paramMap: Map<string, string> | null = null;

  /** Wraps a decoded wire request. */
  constructor(wire: WireRequest) {
    this.wire = wire;
  }

  /** Path parameters filled in by the router (`:id` → value). */
  get params(): Map<string, string> {
    let params = this.paramMap;
    if (params === null) this.paramMap = params = new Map<string, string>();
    return params;
  }

  set params(params: Map<string, string>) {
    this.paramMap = params;
  }

  /** The HTTP method, upper case (`GET`, `POST`, ...). */
  get method(): string {
    return this.wire.method;
  }

  /** Path and query exactly as received, still percent-encoded. */
  get uri(): string {
    return this.wire.uri;
  }

  /** The path, percent-decoded (`/caf%C3%A9` → `/café`). */
  get path(): string {
    return percentDecode(rawPathOf(this.wire.uri));
  }

  /** The path as received, still percent-encoded. */
  get rawPath(): string {
    return rawPathOf(this.wire.uri);
  }

  /** The query string after `?`, still encoded; empty when there is none. */
  get rawQuery(): string {
    return rawQueryOf(this.wire.uri);
  }

  /** The trace context to log and pass on (never empty). */
  get traceId(): string {
    return this.wire.trace_id;
  }

  /** The Host the client asked for (may include a port). */
  get host(): string {
    return this.wire.host;
  }

  /** The client address as `ip:port`. */
  get remoteAddr(): string {
    return this.wire.remote_addr;
  }

  /** The protocol: `HTTP/1.1`, `HTTP/2.0` or `HTTP/3.0`. */
  get proto(): string {
    return this.wire.proto;
  }

  /** Every header: canonical name → values in order. */
  get headers(): Map<string, string[]> {
    return this.wire.headers;
  }

  private pairs(): QueryPair[] {
    if (this.queryPairs === null) this.queryPairs = parseQuery(rawQueryOf(this.wire.uri));
    return this.queryPairs!;
  }

  /** The first value of query parameter `name`, decoded; null when absent. */
  query(name: string): string | null {
    if (this.queryPairs === null) return findQueryValue(this.wire.uri, name);
    const pairs = this.pairs();
    for (let i = 0; i < pairs.length; i++) {
      if (pairs[i].name == name) return pairs[i].value;
    }
    return null;
  }

  /** Every value of query parameter `name`, decoded, in order. */
  queryAll(name: string): string[] {
    const pairs = this.pairs();
    const values = new Array<string>();
    for (let i = 0; i < pairs.length; i++) {
      if (pairs[i].name == name) values.push(pairs[i].value);
    }
    return values;
  }

  /** The first value of header `name` (any case); null when absent. */
  header(name: string): string | null {
    const values = this.wire.headerValues(name);
    return values !== null && values.length > 0 ? values[0] : null;
  }

  /** Every value of header `name` (any case), in order; empty when absent. */
  headerAll(name: string): string[] {
    const values = this.wire.headerValues(name);
    return values !== null ? values.slice(0) : new Array<string>();
  }

  /** A path parameter captured by the router (`/users/:id`); null when absent. */
  param(name: string): string | null {
    const params = this.paramMap;
    return params !== null && params.has(name) ? params.get(name) : null;
  }

  /** The body as bytes (base64 bodies decoded). Can be called any number of times. */
  bytes(): Uint8Array {
    if (this.bodyBytes === null) {
      if (this.wire.body_encoding == "base64") {
        const decoded = decodeBase64(this.wire.body);
        this.bodyBytes = decoded !== null ? decoded : new Uint8Array(0);
      } else {
        this.bodyBytes = encodeUtf8(this.wire.body);
      }
    }
    return this.bodyBytes!;
  }

  /** The body as text (UTF-8). Can be called any number of times. */
  text(): string {
    if (this.bodyText === null) {
      if (this.wire.body_encoding == "base64") {
        const bytes = this.bytes();
        this.bodyText = decodeUtf8(bytes.dataStart, <usize>bytes.length);
      } else {
        this.bodyText = this.wire.body;
      }
    }
    return this.bodyText!;
  }

  /**
   * The body parsed as JSON into `T` (a `@json` class, a Map, an array, ...)
   * with json-as. Invalid JSON aborts the handler, which `serve` turns into a
   * 500; check `text()` first when the body may be malformed.
   */
  json<T>(): T {
    return JSON.parse<T>(this.text());
  }
}
