import { isBase64 } from "./base64.js";
import type { GojinnResponse, Headers } from "./types.js";

/** The result of checking a guest's stdout against the contract. */
export type DecodedResponse = { ok: true; response: GojinnResponse } | { ok: false; reason: string };

function head(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks that `stdout` is exactly one valid response object, optionally
 * surrounded by white space, with the same rules as the Go host
 * (sandbox/response.go): status an integer in 100..599; headers an object of
 * arrays of strings; body a string; body_encoding (looked at only with a body) absent,
 * empty or "base64" with a valid base64 body. JSON null counts as absent, as in Go.
 */
export function decodeResponse(stdout: Uint8Array): DecodedResponse {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(stdout);
  } catch {
    return { ok: false, reason: "stdout is not valid UTF-8" };
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, reason: "the guest wrote nothing to stdout" };
  if (!trimmed.startsWith("{")) return { ok: false, reason: `stdout does not start with a JSON object: ${JSON.stringify(head(trimmed))}` };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    return { ok: false, reason: `stdout is not exactly one valid JSON object: ${(err as Error).message}` };
  }
  if (!isPlainObject(value)) return { ok: false, reason: "stdout is not a JSON object" };
  const { status, headers, body, body_encoding: encoding } = value;
  if (status === undefined || status === null) return { ok: false, reason: 'the response has no "status"' };
  if (typeof status !== "number" || !Number.isInteger(status)) return { ok: false, reason: '"status" is not an integer' };
  if (status < 100 || status > 599) return { ok: false, reason: `"status" ${status} is outside 100..599` };
  const response: GojinnResponse = { status };
  if (headers !== undefined && headers !== null) {
    if (!isPlainObject(headers)) return { ok: false, reason: '"headers" is not an object' };
    const out: Headers = {};
    for (const [name, values] of Object.entries(headers)) {
      if (values === null) continue;
      if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) {
        return { ok: false, reason: `header ${JSON.stringify(name)} is not an array of strings` };
      }
      out[name] = values as string[];
    }
    response.headers = out;
  }
  if (body !== undefined && body !== null) {
    if (typeof body !== "string") return { ok: false, reason: '"body" is not a string' };
    response.body = body;
  }
  // As in Go, body_encoding is looked at only when there is a body.
  if (response.body !== undefined && encoding !== undefined && encoding !== null && encoding !== "") {
    if (encoding !== "base64") return { ok: false, reason: `unknown "body_encoding" ${JSON.stringify(encoding)}` };
    if (!isBase64(response.body)) return { ok: false, reason: '"body" is not valid base64' };
    response.body_encoding = "base64";
  }
  return { ok: true, response };
}
