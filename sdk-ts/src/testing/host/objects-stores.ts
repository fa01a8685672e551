// The harness's object stores: what an S3 bucket does for the host
// (host.ObjectStore, package objstore), in memory. Requests, keys, grants
// and prefixes are checked by objects-request.ts and host-imports.ts
// before these are called.
import { createHash } from "node:crypto";
import type { StatusName } from "../../contract/host-abi.js";
import { compareKeys } from "./kv-stores.js";

/** One stored object: its bytes, content type, ETag (quoted MD5, as S3 gives it) and last change (ms since the epoch, whole seconds). */
export interface StoredObject {
  body: Uint8Array;
  contentType: string;
  etag: string;
  lastModified: number;
}

/** Store → key → object: what the worker reports to `invoke` after each write. */
export type ObjectsSnapshot = Record<string, Record<string, StoredObject>>;

/** An object written (object) or deleted (null) in a store. */
export interface ObjectWrite {
  store: string;
  key: string;
  object: StoredObject | null;
}

/** A stored object made from its bytes now (or at `lastModified`), as S3 stores a put. */
export function storedObject(body: Uint8Array, contentType: string, lastModified = Date.now()): StoredObject {
  const md5 = createHash("md5").update(body).digest("hex");
  return { body, contentType, etag: `"${md5}"`, lastModified: Math.floor(lastModified / 1000) * 1000 };
}

/** A time as the ABI writes it: RFC 3339 in UTC, to the second. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The head the guest reads with fetch_head: compact JSON, members in the host's order. */
export function encodeObjectHead(o: StoredObject): Uint8Array {
  const head = { size: o.body.length, content_type: o.contentType, etag: o.etag, last_modified: timestamp(o.lastModified) };
  return new TextEncoder().encode(JSON.stringify(head));
}

/** In-memory stores with S3's rules for what the host asks of them. */
export class ObjectStores {
  private readonly stores = new Map<string, Map<string, StoredObject>>();

  /** `initial`: each store's objects; `onWrite` sees every write. */
  constructor(
    initial: ObjectsSnapshot,
    private readonly maxObject: number,
    private readonly onWrite: (write: ObjectWrite) => void = () => undefined,
  ) {
    for (const [name, objects] of Object.entries(initial)) this.stores.set(name, new Map(Object.entries(objects)));
  }

  private store(name: string): Map<string, StoredObject> {
    let store = this.stores.get(name);
    if (!store) {
      store = new Map();
      this.stores.set(name, store);
    }
    return store;
  }

  /** The object, or not_found; too_large over max_object. */
  get(name: string, key: string): { status: StatusName; object?: StoredObject } {
    const object = this.store(name).get(key);
    if (!object) return { status: "not_found" };
    if (object.body.length > this.maxObject) return { status: "too_large" };
    return { status: "ok", object };
  }

  /** The object's head, or not_found (a head has no size limit). */
  head(name: string, key: string): { status: StatusName; object?: StoredObject } {
    const object = this.store(name).get(key);
    return object ? { status: "ok", object } : { status: "not_found" };
  }

  /** Stores the object (replacing it); too_large over max_object. */
  put(name: string, key: string, body: Uint8Array, contentType: string): StatusName {
    if (body.length > this.maxObject) return "too_large";
    const object = storedObject(body, contentType);
    this.store(name).set(key, object);
    this.onWrite({ store: name, key, object });
    return "ok";
  }

  /** Deletes the object; ok also when it was absent. */
  delete(name: string, key: string): StatusName {
    if (this.store(name).delete(key)) this.onWrite({ store: name, key, object: null });
    return "ok";
  }

  /** Up to `limit` objects whose keys start with `prefix`, in byte order, after `after`; and whether more follow. */
  list(name: string, prefix: string, after: string, limit: number): { objects: Array<[string, StoredObject]>; more: boolean } {
    const all = [...this.store(name).entries()]
      .filter(([k]) => k.startsWith(prefix) && (after === "" || compareKeys(k, after) > 0))
      .sort(([a], [b]) => compareKeys(a, b));
    return { objects: all.slice(0, limit), more: all.length > limit };
  }
}

/** A page as the guest reads it with fetch_body. */
export function encodeObjectPage(page: { objects: Array<[string, StoredObject]>; more: boolean }): Uint8Array {
  const objects = page.objects.map(([key, o]) => ({ key, size: o.body.length, etag: o.etag, last_modified: timestamp(o.lastModified) }));
  return new TextEncoder().encode(JSON.stringify({ objects, more: page.more }));
}
