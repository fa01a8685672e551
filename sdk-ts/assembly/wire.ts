import { JSON } from "json-as";

/**
 * The request object as it crosses the sandbox (docs/contract.md). Handlers
 * use {@link Request}, which wraps it; this class is the wire format only.
 */
@json
export class WireRequest {
  /** HTTP method, upper case. */
  method: string = "";
  /** Path and query with their original percent-encoding. */
  uri: string = "";
  /** Header name (canonical form) to every value, in order. */
  headers: Map<string, string[]> = new Map<string, string[]>();
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
}

/** The response object a handler writes to stdout (docs/contract.md). */
@json
export class WireResponse {
  /** HTTP status code, 100..599. */
  status: i32 = 200;
  /** Header name to every value. */
  headers: Map<string, string[]> = new Map<string, string[]>();
  /** The body: UTF-8 text, or base64 when `body_encoding` is "base64". */
  body: string = "";
  /** "base64" for a binary body; omitted from the JSON when empty. */
  @omitif((self: WireResponse): bool => self.body_encoding.length == 0)
  body_encoding: string = "";
}

/** Decodes the request JSON read from stdin. */
export function decodeRequest(text: string): WireRequest {
  return JSON.parse<WireRequest>(text);
}

/** Encodes a response as the JSON object written to stdout. */
export function encodeResponse(response: WireResponse): string {
  return JSON.stringify<WireResponse>(response);
}
