import { JSON } from "json-as";

// The response is written by jsonwriter.ts, not json-as: see there why.

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

/** Decodes the request JSON read from stdin. */
export function decodeRequest(text: string): WireRequest {
  return JSON.parse<WireRequest>(text);
}
