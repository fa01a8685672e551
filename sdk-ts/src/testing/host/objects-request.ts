// The request of the object_* functions (docs/host-abi.md, "Object
// storage"), decoded and checked as the Go host does (host/objects.go):
// the request, the store's grant, the key (or list prefix), a write's
// access, the grant's prefix.
import type { StatusName } from "../../contract/host-abi.js";
import { JsonNumber, parseExact, type Json } from "./json-exact.js";

/** A store's grant: its access and the prefix every key must start with. */
export interface ObjectGrant {
  access: "read" | "readwrite";
  prefix: string;
}

/** A decoded request. */
export interface ObjectRequest {
  store: string;
  key: string;
  contentType: string;
  prefix: string;
  after: string;
  /** Null when the request gives none. */
  limit: number | null;
}

/** The longest key, list prefix or after, in bytes. */
export const MAX_OBJECT_KEY = 1024;
/** The most objects a page holds. */
export const MAX_OBJECT_PAGE = 1000;
/** A page's size when the request gives no limit. */
export const DEFAULT_OBJECT_PAGE = 100;
/** The content type of a put that gives none. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

// Store names (docs/host-abi.md).
const STORE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
// An HTTP field value (httpguts.ValidHeaderFieldValue): no control character but tab.
const FIELD_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;
const encoder = new TextEncoder();

/**
 * Decodes a request; null when it is malformed (the call is `invalid`). As
 * Go's json.Unmarshal into the host's struct: null is the zero value,
 * unknown members are ignored, and `limit` must be an integer literal
 * (`1.0` and `1e2` are not).
 */
export function decodeObjectRequest(json: string): ObjectRequest | null {
  let value: Json;
  try {
    value = parseExact(json);
  } catch {
    return null;
  }
  if (value === null) value = {};
  if (typeof value !== "object" || Array.isArray(value) || value instanceof JsonNumber) return null;
  const f = value;
  const text = (name: string): string | null => {
    const v = f[name] ?? "";
    return typeof v === "string" ? v : null;
  };
  const [store, key, contentType, prefix, after] = ["store", "key", "content_type", "prefix", "after"].map(text);
  const given = f["limit"] ?? null;
  if (store == null || key == null || contentType == null || prefix == null || after == null) return null;
  if (given !== null && !(given instanceof JsonNumber && /^-?[0-9]+$/.test(given.text))) return null;
  const limit = given === null ? null : Number(given.text);
  if (!STORE_NAME.test(store) || !FIELD_VALUE.test(contentType)) return null;
  if (limit !== null && (limit < 1 || limit > MAX_OBJECT_PAGE)) return null;
  return { store, key, contentType, prefix, after, limit };
}

/** A valid key: 1 to 1,024 bytes, no segment "." or ".." between slashes. */
export function validObjectKey(key: string): boolean {
  const size = encoder.encode(key).length;
  return size >= 1 && size <= MAX_OBJECT_KEY && key.split("/").every((seg) => seg !== "." && seg !== "..");
}

/**
 * The status of a call's checks after its request: the grant (`denied`),
 * the key or for a list the prefix and after (`invalid`), a write's access
 * and the grant's prefix (`denied`, with the reason the host logs).
 */
export function objectCheck(
  req: ObjectRequest,
  grant: ObjectGrant | undefined,
  op: { key: boolean; write: boolean },
): { status: StatusName; reason?: string } {
  if (!grant) return { status: "denied", reason: `object store "${req.store}" is not granted` };
  if (op.key && !validObjectKey(req.key)) return { status: "invalid" };
  if (!op.key && (encoder.encode(req.prefix).length > MAX_OBJECT_KEY || encoder.encode(req.after).length > MAX_OBJECT_KEY))
    return { status: "invalid" };
  if (op.write && grant.access !== "readwrite") return { status: "denied", reason: `object store "${req.store}" is granted read only` };
  const name = op.key ? req.key : req.prefix;
  if (!name.startsWith(grant.prefix))
    return { status: "denied", reason: `object store "${req.store}": outside the granted prefix "${grant.prefix}"` };
  return { status: "ok" };
}
