import { isUtf8, toBase64 } from "../contract/base64.js";
import { canonicalHeaderName } from "../contract/headers.js";
import type { GojinnRequest } from "../contract/types.js";
import { randomBytes } from "node:crypto";

/**
 * What a test passes to `invoke`: any part of a GojinnRequest. `body` may
 * also be bytes (sent as base64 when they are not UTF-8), and a header may be
 * given as one string.
 */
export interface InvokeRequest extends Partial<Omit<GojinnRequest, "body" | "headers">> {
  /** Header name (any case; canonicalized as the host does) → value(s). */
  headers?: Record<string, string | string[]>;
  /** The body as text or bytes. */
  body?: string | Uint8Array;
}

/** A fresh W3C traceparent, like the one the host passes when tracing is on. */
export function newTraceId(): string {
  return `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
}

/**
 * The full request the host would send for `input`: defaults GET /, no
 * headers, empty body, a fresh trace id, host `localhost`, remote address
 * `127.0.0.1:40000`, HTTP/1.1. Header names are canonicalized and repeated
 * names merged, as Go's http.Header does.
 */
export function buildRequest(input: InvokeRequest = {}): GojinnRequest {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const key = canonicalHeaderName(name);
    const values = Array.isArray(value) ? value : [value];
    headers[key] = [...(headers[key] ?? []), ...values];
  }
  const request: GojinnRequest = {
    method: input.method ?? "GET",
    uri: input.uri ?? "/",
    headers,
    body: "",
    trace_id: input.trace_id ?? newTraceId(),
    host: input.host ?? "localhost",
    remote_addr: input.remote_addr ?? "127.0.0.1:40000",
    proto: input.proto ?? "HTTP/1.1",
  };
  const body = input.body ?? "";
  if (typeof body === "string") {
    request.body = body;
    if (input.body_encoding === "base64") request.body_encoding = "base64";
  } else if (isUtf8(body)) {
    request.body = new TextDecoder().decode(body);
  } else {
    request.body = toBase64(body);
    request.body_encoding = "base64";
  }
  return request;
}
