import { STATUS_CODES } from "node:http";
import { isUtf8, toBase64 } from "../contract/base64.js";
import type { InvokeResult } from "../testing/invoke.js";

/** The response as `curl -i` prints it: status line, headers, blank line, body. */
export function formatHttp(result: InvokeResult): Uint8Array {
  const reason = STATUS_CODES[result.status] ?? "";
  let head = `HTTP/1.1 ${result.status}${reason ? ` ${reason}` : ""}\r\n`;
  for (const [name, values] of Object.entries(result.headers)) {
    for (const value of values) head += `${name}: ${value}\r\n`;
  }
  head += "\r\n";
  const headBytes = new TextEncoder().encode(head);
  const out = new Uint8Array(headBytes.length + result.bodyBytes.length);
  out.set(headBytes, 0);
  out.set(result.bodyBytes, headBytes.length);
  return out;
}

/** The response as one JSON object: `{status, headers, body}`, body base64 when binary. */
export function formatJson(result: InvokeResult): string {
  const binary = !isUtf8(result.bodyBytes);
  return JSON.stringify({
    status: result.status,
    headers: result.headers,
    body: binary ? toBase64(result.bodyBytes) : result.body,
    ...(binary ? { body_encoding: "base64" } : {}),
  });
}
