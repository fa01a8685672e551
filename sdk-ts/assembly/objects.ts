import { fetch_close, object_delete, object_get, object_head, object_list, object_put, outCell, outU32, STATUS_OK, statusName } from "./abi";
import { readPart, readPartStatus } from "./fetch";
import { JsonReader } from "./jsonread";
import { readSqlValue } from "./sqlvalue";
import { decodeUtf8, encodeUtf8, Utf8Writer } from "./utf8";

// The last call's status: static memory rather than a global (every global
// costs the host allocations at each instantiation).
// @ts-ignore: decorator
@lazy const lastCell = memory.data(4);

// The slack JsonReader needs after a head or a page (see readPart).
// @ts-ignore: decorator
@inline const SLACK: usize = 32;

function record(status: i32): bool {
  store<i32>(lastCell, status);
  return status == STATUS_OK;
}

/** What the store knows of an object: size, content type, ETag, last change. */
export class ObjectHead {
  /** The object's size in bytes. */
  size: u64 = 0;
  /** Its content type, as it was put. */
  contentType: string = "";
  /** Its ETag, quotes included (`"9a0364b9e99bb480dd25e1f0284c8555"`). */
  etag: string = "";
  /** When it was last written, RFC 3339 in UTC (`2026-12-03T17:00:00Z`). */
  lastModified: string = "";
}

/** An object read with `get`: its head and its bytes. */
export class StoredObject {
  constructor(
    /** Size, content type, ETag, last change. */
    public readonly head: ObjectHead,
    /** The object's bytes. */
    public readonly body: Uint8Array,
  ) {}

  /** The bytes as UTF-8 text (invalid sequences become U+FFFD). */
  text(): string {
    return decodeUtf8(this.body.dataStart, <usize>this.body.length);
  }
}

/** One object of a listed page. */
export class ObjectInfo {
  /** The object's key. */
  key: string = "";
  /** Its size in bytes. */
  size: u64 = 0;
  /** Its ETag, quotes included. */
  etag: string = "";
  /** When it was last written, RFC 3339 in UTC. */
  lastModified: string = "";
}

/** A page of `list`: objects in key order, and whether more follow (list again with `after` = `last`). */
export class ObjectPage {
  /** The page's objects, in key order. */
  objects: ObjectInfo[] = new Array<ObjectInfo>();
  /** True when more objects follow this page. */
  more: bool = false;

  /** The page's last key ("" for an empty page): the next page's `after`. */
  get last(): string {
    const n = this.objects.length;
    return n > 0 ? this.objects[n - 1].key : "";
  }
}

// Reads a JSON string, or null as "".
function readText(r: JsonReader): string {
  return r.acceptNull() ? "" : r.readString();
}

// Decodes `{"size":..,"content_type":..,"etag":..,"last_modified":..}`.
function decodeHead(ptr: usize, length: usize): ObjectHead {
  const head = new ObjectHead();
  const r = new JsonReader(ptr, length);
  r.expect(0x7b, "expected the object's head");
  if (r.accept(0x7d)) return head;
  do {
    const key = r.readString();
    r.expect(0x3a, "expected ':'");
    if (key == "size") head.size = <u64>readSqlValue(r).asInt();
    else if (key == "content_type") head.contentType = readText(r);
    else if (key == "etag") head.etag = readText(r);
    else if (key == "last_modified") head.lastModified = readText(r);
    else r.skipValue(0);
  } while (r.accept(0x2c));
  return head;
}

// Decodes one `{"key":..,"size":..,"etag":..,"last_modified":..}` of a page.
function readInfo(r: JsonReader): ObjectInfo {
  const info = new ObjectInfo();
  r.expect(0x7b, "expected an object of the page");
  if (r.accept(0x7d)) return info;
  do {
    const key = r.readString();
    r.expect(0x3a, "expected ':'");
    if (key == "key") info.key = readText(r);
    else if (key == "size") info.size = <u64>readSqlValue(r).asInt();
    else if (key == "etag") info.etag = readText(r);
    else if (key == "last_modified") info.lastModified = readText(r);
    else r.skipValue(0);
  } while (r.accept(0x2c));
  r.expect(0x7d, "expected ',' or '}'");
  return info;
}

// Decodes `{"objects":[...],"more":true}`.
function decodePage(ptr: usize, length: usize): ObjectPage {
  const page = new ObjectPage();
  const r = new JsonReader(ptr, length);
  r.expect(0x7b, "expected a page");
  if (r.accept(0x7d)) return page;
  do {
    const key = r.readString();
    r.expect(0x3a, "expected ':'");
    if (key == "objects") {
      if (r.acceptNull()) continue;
      r.expect(0x5b, "expected the objects");
      if (!r.accept(0x5d)) {
        do page.objects.push(readInfo(r));
        while (r.accept(0x2c));
        r.expect(0x5d, "expected ',' or ']'");
      }
    } else if (key == "more") {
      r.skipSpace();
      page.more = r.peek() == 0x74;
      r.skipValue(0);
    } else {
      r.skipValue(0);
    }
  } while (r.accept(0x2c));
  return page;
}

// The length of what readPart read, less the slack.
function partLength(part: usize, slack: usize): usize {
  return <usize>changetype<ArrayBuffer>(part).byteLength - slack;
}

/**
 * An object store the handler was granted (`objects media` in its
 * Caddyfile block, with `read` and `prefix` if given; docs/objects.md).
 * Every method answers; none aborts the handler. A failure is null or
 * false, and `objects.lastError()` says what it was.
 */
export class ObjectStore {
  constructor(
    /** The store's name. */
    public readonly name: string,
  ) {}

  // `{"store":"<name>","key":"<key>"` (the caller closes it).
  private request(key: string, withKey: bool = true): Utf8Writer {
    const w = new Utf8Writer(<usize>(this.name.length + key.length) + 48);
    w.text('{"store":');
    w.jsonString(this.name);
    if (withKey) {
      w.text(',"key":');
      w.jsonString(key);
    }
    return w;
  }

  /** The object's bytes and head; null when absent (`not_found`) or on a failure. */
  get(key: string): StoredObject | null {
    const w = this.request(key);
    w.byte(0x7d);
    if (!record(object_get(w.start, w.length, outCell))) return null;
    const handle = outU32(0);
    const headSize = <usize>outU32(4);
    const bodySize = <usize>outU32(8);
    const head = readPart(handle, false, headSize, SLACK);
    const body = head != 0 ? readPart(handle, true, bodySize, 0) : 0;
    fetch_close(handle);
    if (head == 0 || body == 0) {
      record(readPartStatus());
      return null;
    }
    return new StoredObject(decodeHead(head, partLength(head, SLACK)), Uint8Array.wrap(changetype<ArrayBuffer>(body)));
  }

  /** The object's head only; null when absent (`not_found`) or on a failure. */
  head(key: string): ObjectHead | null {
    const w = this.request(key);
    w.byte(0x7d);
    if (!record(object_head(w.start, w.length, outCell))) return null;
    const handle = outU32(0);
    const head = readPart(handle, false, <usize>outU32(4), SLACK);
    fetch_close(handle);
    if (head == 0) {
      record(readPartStatus());
      return null;
    }
    return decodeHead(head, partLength(head, SLACK));
  }

  /** Stores the bytes as the object (replacing it), with its content type ("": the host's `application/octet-stream`). */
  put(key: string, body: Uint8Array, contentType: string = ""): bool {
    const w = this.request(key);
    if (contentType.length > 0) {
      w.text(',"content_type":');
      w.jsonString(contentType);
    }
    w.byte(0x7d);
    return record(object_put(w.start, w.length, body.dataStart, body.length));
  }

  /** Stores `text` in UTF-8 as the object, `text/plain; charset=utf-8` unless `contentType` says otherwise. */
  putText(key: string, text: string, contentType: string = "text/plain; charset=utf-8"): bool {
    return this.put(key, encodeUtf8(text), contentType);
  }

  /** Deletes the object; true also when it was absent. */
  delete(key: string): bool {
    const w = this.request(key);
    w.byte(0x7d);
    return record(object_delete(w.start, w.length));
  }

  /**
   * One page of the objects whose keys start with `prefix`, in key order,
   * after the key `after` ("": from the start), at most `limit` (1 to
   * 1,000). While `page.more`, list again with `after` = `page.last`.
   * Null on a failure.
   */
  list(prefix: string = "", after: string = "", limit: i32 = 100): ObjectPage | null {
    const w = this.request("", false);
    if (prefix.length > 0) {
      w.text(',"prefix":');
      w.jsonString(prefix);
    }
    if (after.length > 0) {
      w.text(',"after":');
      w.jsonString(after);
    }
    w.text(',"limit":');
    w.int(limit);
    w.byte(0x7d);
    if (!record(object_list(w.start, w.length, outCell))) return null;
    const handle = outU32(0);
    const page = readPart(handle, true, <usize>outU32(8), SLACK);
    fetch_close(handle);
    if (page == 0) {
      record(readPartStatus());
      return null;
    }
    return decodePage(page, partLength(page, SLACK));
  }
}

/** Object storage: `objects.open("media").get("u/1/avatar.png")`. */
export namespace objects {
  /** The store named `name`: no host call is made until a method is used. */
  export function open(name: string): ObjectStore {
    return new ObjectStore(name);
  }

  /**
   * What the last call failed with: `"not_found"`, `"denied"` (store not
   * granted, a write under a read grant, a key outside the grant's
   * prefix), `"invalid"` (a bad key, a limit out of range), `"too_large"`
   * (over the store's max_object), `"timeout"`, `"unavailable"`,
   * `"io_error"` (docs/host-abi.md); null when it succeeded or before any call.
   */
  export function lastError(): string | null {
    const status = load<i32>(lastCell);
    return status > 0 ? statusName(status) : null;
  }
}
