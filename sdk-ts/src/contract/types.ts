// The wire contract (docs/contract.md, contract/schema.json) as TypeScript
// types. test/schema.test.ts checks them against the JSON Schema.

/** Header name → every value, in order (names in Go's canonical form). */
export type Headers = Record<string, string[]>;

/** The request object the host writes to the guest's stdin. */
export interface GojinnRequest {
  /** HTTP method, upper case as sent. */
  method: string;
  /** Path and query with their original percent-encoding. */
  uri: string;
  /** Every request header except Host. */
  headers: Headers;
  /** The whole body: UTF-8 text, or base64 when body_encoding is "base64". */
  body: string;
  /** "base64" exactly when the body is not valid UTF-8. */
  body_encoding?: "base64";
  /** Trace context the guest logs and continues; never empty. */
  trace_id: string;
  /** The request's Host (may include a port). */
  host: string;
  /** Client address as ip:port. */
  remote_addr: string;
  /** HTTP/1.1, HTTP/2.0 or HTTP/3.0. */
  proto: string;
}

/** The response object the guest writes to its stdout. */
export interface GojinnResponse {
  /** A final HTTP status, an integer literal in 200..599. */
  status: number;
  /** Response headers: token names (canonical form once decoded), arrays of field values. */
  headers?: Headers;
  /** The body; absent means empty. */
  body?: string;
  /** "base64": body is standard base64 of the bytes to send. */
  body_encoding?: "base64";
}

/** How a run ended: the labels of docs/contract.md's Outcomes table. */
export type Outcome = "ok" | "contract_error" | "exit_error" | "trap" | "timeout" | "output_limit" | "fuel_exhausted";

/** Every Outcome, in the order of the contract's table. */
export const OUTCOMES: readonly Outcome[] = ["ok", "contract_error", "exit_error", "trap", "timeout", "output_limit", "fuel_exhausted"];

/** The HTTP status a failed run answers with: 504 for a timeout, else 502. */
export function failureStatus(outcome: Exclude<Outcome, "ok">): 502 | 504 {
  return outcome === "timeout" ? 504 : 502;
}

/** Headers the host drops from a guest's response (it computes its own). */
export const DROPPED_RESPONSE_HEADERS: readonly string[] = [
  "Connection",
  "Keep-Alive",
  "Proxy-Connection",
  "Transfer-Encoding",
  "Upgrade",
  "Te",
  "Trailer",
  "Content-Length",
];
