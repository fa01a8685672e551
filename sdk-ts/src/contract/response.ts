import { isBase64 } from "./base64.js";
import { canonicalHeaderName } from "./headers.js";
import { JsonSyntaxError, Scanner, unescape } from "./json.js";
import type { GojinnResponse, Headers } from "./types.js";

/** The result of checking a guest's stdout against the contract. */
export type DecodedResponse = { ok: true; response: GojinnResponse } | { ok: false; reason: string };

/** A contract rule broken by a well-formed JSON text. */
class ContractError extends Error {}

function head(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why `v` is not an HTTP field value (RFC 9110 §5.5), or "" when it is one. */
function invalidHeaderValue(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f) return `control character 0x${c.toString(16).padStart(2, "0")} at character ${i}`;
  }
  if (/^[ \t]|[ \t]$/.test(v)) return "white space at its start or end";
  return "";
}

/** True when `name` is an HTTP field name: a non-empty token (RFC 9110 §5.6.2). */
function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

const MEMBERS = ["status", "headers", "body", "body_encoding"] as const;

function readHeaders(s: Scanner): Headers {
  const out: Headers = {};
  const given = new Set<string>();
  let more = s.open(125);
  while (more) {
    const raw = unescape(s.name());
    if (!isHeaderName(raw))
      throw new ContractError(`header ${JSON.stringify(head(raw))}: the name is not an HTTP field name (RFC 9110 token)`);
    const name = canonicalHeaderName(raw);
    if (given.has(name)) throw new ContractError(`header ${JSON.stringify(name)} is given twice (names are case-insensitive)`);
    given.add(name);
    if (!s.null()) {
      if (s.next() !== 91) throw new ContractError(`header ${JSON.stringify(name)} must be an array of strings, got ${s.valueType()}`);
      const values: string[] = [];
      let more = s.open(93);
      while (more) {
        if (s.next() !== 34) throw new ContractError(`header ${JSON.stringify(name)} must be an array of strings, has ${s.valueType()}`);
        const value = unescape(s.str());
        const why = invalidHeaderValue(value);
        if (why)
          throw new ContractError(
            `header ${JSON.stringify(name)}: value ${values.length + 1} is not an HTTP field value (RFC 9110): ${why}`,
          );
        values.push(value);
        more = s.more(93);
      }
      // defineProperty: a header may be named __proto__.
      Object.defineProperty(out, name, { value: values, enumerable: true, writable: true, configurable: true });
    }
    more = s.more(125);
  }
  return out;
}

function readString(s: Scanner, member: string): string | undefined {
  if (s.null()) return undefined;
  if (s.next() !== 34) throw new ContractError(`"${member}" must be a string, got ${s.valueType()}`);
  return unescape(s.str());
}

function readResponse(s: Scanner): GojinnResponse {
  const seen = new Set<string>();
  let status: string | undefined;
  let headers: Headers | undefined;
  let body: string | undefined;
  let base64 = false;
  let more = s.open(125);
  while (more) {
    const name = unescape(s.name());
    const member = (MEMBERS as readonly string[]).includes(name) ? name : undefined;
    if (member !== undefined) {
      if (seen.has(member)) throw new ContractError(`the response has ${JSON.stringify(member)} twice`);
      seen.add(member);
    }
    if (member === "status") {
      const c = s.next();
      if (c === 45 || (c >= 48 && c <= 57)) {
        const n = s.number();
        if (!n.integer) throw new ContractError(`"status" must be an integer literal (no fraction or exponent), got ${head(n.raw)}`);
        status = n.raw;
      } else if (!s.null()) throw new ContractError(`"status" must be an integer, got ${s.valueType()}`);
    } else if (member === "headers") {
      if (!s.null()) {
        if (s.next() !== 123) throw new ContractError(`"headers" must be an object, got ${s.valueType()}`);
        headers = readHeaders(s);
      }
    } else if (member === "body") {
      body = readString(s, "body");
    } else if (member === "body_encoding") {
      const encoding = readString(s, "body_encoding");
      if (encoding !== undefined && encoding !== "" && encoding !== "base64")
        throw new ContractError(`unknown "body_encoding" ${JSON.stringify(head(encoding))}`);
      base64 = encoding === "base64";
    } else {
      s.skip(2);
    }
    more = s.more(125);
  }
  s.space();
  if (s.pos !== s.text.length)
    throw new ContractError(`stdout has more after the response object: ${JSON.stringify(head(s.text.slice(s.pos)))}`);
  if (status === undefined) throw new ContractError('the response has no "status"');
  const code = status.length === 3 && status[0] !== "-" ? Number(status) : 0;
  if (code < 200 || code > 599) throw new ContractError(`"status" ${head(status)} is not a final status (200..599)`);
  const response: GojinnResponse = { status: code };
  if (headers !== undefined) response.headers = headers;
  if (body !== undefined) {
    if (base64 && !isBase64(body)) throw new ContractError('"body" is not valid base64');
    response.body = body;
    if (base64) response.body_encoding = "base64";
  }
  return response;
}

/**
 * Checks that `stdout` is exactly one valid response object, optionally
 * surrounded by JSON white space, with the rules of the Go host
 * (sandbox/response.go, docs/contract.md): UTF-8 JSON (RFC 8259) whose
 * `status`, `headers`, `body` and `body_encoding` appear at most once;
 * status an integer literal, a final status 200..599; headers an object of
 * arrays of strings, names HTTP tokens given once in any letter case
 * (returned in Go's canonical form), values HTTP field values; body a
 * string; body_encoding absent, empty or "base64" (with a valid base64
 * body). JSON null counts as absent.
 */
export function decodeResponse(stdout: Uint8Array): DecodedResponse {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(stdout);
  } catch {
    return { ok: false, reason: "stdout is not valid UTF-8" };
  }
  const s = new Scanner(text);
  s.space();
  if (s.pos === text.length) return { ok: false, reason: "the guest wrote nothing to stdout" };
  if (s.next() !== 123)
    return { ok: false, reason: `stdout does not start with a JSON object: ${JSON.stringify(head(text.slice(s.pos)))}` };
  try {
    return { ok: true, response: readResponse(s) };
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { ok: false, reason: `stdout is not a valid response object: ${err.message}` };
    if (err instanceof ContractError) return { ok: false, reason: err.message };
    throw err;
  }
}
