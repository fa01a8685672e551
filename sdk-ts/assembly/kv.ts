import {
  kv_create,
  kv_delete,
  kv_get,
  kv_increment,
  kv_keys,
  kv_set,
  kv_update,
  outCell,
  outU32,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_OK,
  statusName,
} from "./abi";
import { decodeUtf8, encodeUtf8 } from "./utf8";

// The status of the last kv call (0 before any) and the revision it read or
// wrote: static memory rather than globals (every global costs the host
// allocations at each instantiation).
// @ts-ignore: decorator
@lazy const lastCell = memory.data(16);

// Records a call's status (and, when ok, the revision at outCell + 8 if `revision`).
function record(status: i32, revision: bool = false): bool {
  store<i32>(lastCell, status);
  if (status == STATUS_OK && revision) store<u64>(lastCell, load<u64>(outCell, 8), 8);
  return status == STATUS_OK;
}

// The first buffer a read offers the host: most values fit; a larger one is
// read again with the size the host reports.
// @ts-ignore: decorator
@inline const FIRST_READ: usize = 1024;

/** A value with its revision: what `KvStore.getEntry` returns, and what `update` compares. */
export class KvEntry {
  constructor(
    /** The value's bytes. */
    public value: Uint8Array,
    /** Its revision: grows with every write to the store. */
    public revision: u64,
  ) {}

  /** The value as UTF-8 text (invalid sequences become U+FFFD). */
  text(): string {
    return decodeUtf8(this.value.dataStart, <usize>this.value.length);
  }
}

/**
 * A key-value store the handler was granted (`kv <name>` in its Caddyfile
 * block). Every method answers; none aborts the handler. A failure is a
 * null, false, empty or 0 result, and `kv.lastError()` says what it was.
 */
export class KvStore {
  private nameBytes: Uint8Array;

  constructor(
    /** The store's name. */
    public readonly name: string,
  ) {
    this.nameBytes = encodeUtf8(name);
  }

  /** The key's value and revision; null when absent (`not_found`) or on a failure. */
  getEntry(key: string): KvEntry | null {
    const k = encodeUtf8(key);
    const n = this.nameBytes;
    let cap = FIRST_READ;
    // An ArrayBuffer of `cap` bytes; shrunk in place to the value's size
    // (the stub runtime's newest block), so no copy is made.
    let buf = __new(cap, idof<ArrayBuffer>());
    let status = kv_get(n.dataStart, n.length, k.dataStart, k.length, buf, cap, outCell, outCell + 8);
    // The value can grow between two calls: retry until it fits, never truncate.
    while (status == STATUS_BUFFER_TOO_SMALL) {
      cap = <usize>outU32();
      buf = __new(cap, idof<ArrayBuffer>());
      status = kv_get(n.dataStart, n.length, k.dataStart, k.length, buf, cap, outCell, outCell + 8);
    }
    if (!record(status, true)) return null;
    const size = <usize>outU32();
    if (size != cap) buf = __renew(buf, size);
    return new KvEntry(Uint8Array.wrap(changetype<ArrayBuffer>(buf)), load<u64>(outCell, 8));
  }

  /** The key's value as bytes; null when absent (`not_found`) or on a failure. */
  getBytes(key: string): Uint8Array | null {
    const entry = this.getEntry(key);
    return entry !== null ? entry.value : null;
  }

  /** The key's value as UTF-8 text; null when absent (`not_found`) or on a failure. */
  get(key: string): string | null {
    const entry = this.getEntry(key);
    return entry !== null ? entry.text() : null;
  }

  /** Writes the key. `ttlSeconds` > 0: it expires after that; 0: never. */
  set(key: string, value: string, ttlSeconds: i32 = 0): bool {
    return this.setBytes(key, encodeUtf8(value), ttlSeconds);
  }

  /** Writes the key's bytes. `ttlSeconds` > 0: it expires after that; 0: never. */
  setBytes(key: string, value: Uint8Array, ttlSeconds: i32 = 0): bool {
    const k = encodeUtf8(key);
    const n = this.nameBytes;
    return record(kv_set(n.dataStart, n.length, k.dataStart, k.length, value.dataStart, value.length, ttlSeconds, outCell + 8), true);
  }

  /** Writes the key only if it is absent: false with `exists` when it is there (create-if-absent). */
  create(key: string, value: string, ttlSeconds: i32 = 0): bool {
    return this.createBytes(key, encodeUtf8(value), ttlSeconds);
  }

  /** `create` with a value in bytes. */
  createBytes(key: string, value: Uint8Array, ttlSeconds: i32 = 0): bool {
    const k = encodeUtf8(key);
    const n = this.nameBytes;
    return record(kv_create(n.dataStart, n.length, k.dataStart, k.length, value.dataStart, value.length, ttlSeconds, outCell + 8), true);
  }

  /**
   * Writes the key only if its revision is still `revision` (from `getEntry`
   * or `kv.lastRevision()`): compare-and-swap. False with `conflict` when
   * another write came first, `not_found` when the key is gone.
   */
  update(key: string, value: string, revision: u64): bool {
    return this.updateBytes(key, encodeUtf8(value), revision);
  }

  /** `update` with a value in bytes. */
  updateBytes(key: string, value: Uint8Array, revision: u64): bool {
    const k = encodeUtf8(key);
    const n = this.nameBytes;
    return record(kv_update(n.dataStart, n.length, k.dataStart, k.length, value.dataStart, value.length, <i64>revision, outCell + 8), true);
  }

  /** Deletes the key; true also when it was absent. */
  delete(key: string): bool {
    const k = encodeUtf8(key);
    const n = this.nameBytes;
    return record(kv_delete(n.dataStart, n.length, k.dataStart, k.length));
  }

  /**
   * Adds `by` to the key's value atomically (the value is decimal ASCII,
   * readable with `get`; absent counts as 0) and returns the new value. On a
   * failure it returns 0 and `kv.lastError()` says why (`invalid` when the
   * value is not a decimal integer or would overflow).
   */
  increment(key: string, by: i64 = 1): i64 {
    const k = encodeUtf8(key);
    const n = this.nameBytes;
    if (!record(kv_increment(n.dataStart, n.length, k.dataStart, k.length, by, outCell + 8))) return 0;
    return load<i64>(outCell, 8);
  }

  /**
   * Every key that starts with `prefix`, in byte order, read page by page
   * (the host sends at most 1,000 keys per call). On a failure, an empty
   * array, never a partial list.
   */
  keys(prefix: string = ""): string[] {
    const p = encodeUtf8(prefix);
    const n = this.nameBytes;
    const keys = new Array<string>();
    let cap: usize = 4096;
    let buf = heap.alloc(cap);
    let afterPtr: usize = 0;
    let afterLen: usize = 0;
    while (true) {
      const status = kv_keys(n.dataStart, n.length, p.dataStart, p.length, afterPtr, afterLen, buf, cap, outCell);
      if (status == STATUS_BUFFER_TOO_SMALL) {
        cap = <usize>outU32();
        buf = heap.alloc(cap);
        continue;
      }
      if (!record(status)) return new Array<string>();
      // u32 count, then per key a u32 length and its bytes, then a u32 flag.
      const end = buf + <usize>outU32();
      let at = buf + 4;
      const count = load<u32>(buf);
      let lastPtr: usize = 0;
      let lastLen: usize = 0;
      for (let i: u32 = 0; i < count && at + 4 <= end; i++) {
        const len = <usize>load<u32>(at);
        at += 4;
        keys.push(decodeUtf8(at, len));
        lastPtr = at;
        lastLen = len;
        at += len;
      }
      if (at + 4 > end || load<u32>(at) == 0 || count == 0) return keys;
      // The next page starts after this page's last key; its bytes are
      // copied out of the buffer the next call writes into.
      afterPtr = heap.alloc(lastLen);
      memory.copy(afterPtr, lastPtr, lastLen);
      afterLen = lastLen;
    }
  }
}

/** Key-value stores: `kv.open("sessions").get("k")`. */
export namespace kv {
  /** The store named `name`: no host call is made until a method is used. */
  export function open(name: string): KvStore {
    return new KvStore(name);
  }

  /**
   * What the last kv call failed with: `"not_found"`, `"denied"`,
   * `"too_large"`, `"invalid"`, `"unavailable"`, `"timeout"`, `"io_error"`,
   * `"exists"`, `"conflict"` (docs/host-abi.md); null when it succeeded or
   * before any call.
   */
  export function lastError(): string | null {
    const status = load<i32>(lastCell);
    return status > 0 ? statusName(status) : null;
  }

  /** The revision the last successful get, set, create or update read or wrote. */
  export function lastRevision(): u64 {
    return load<u64>(lastCell, 8);
  }
}
