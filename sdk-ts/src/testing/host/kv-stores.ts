// The harness's key-value stores: what a JetStream KV bucket does for the
// host (host.KV in host/backends.go), in memory. Names, keys and grants are
// checked by the host functions (host-imports.ts) before these are called.
import { Status } from "../../contract/host-abi.js";

/** One key's value, its revision, the TTL of its last write (seconds; 0: none) and when it expires (ms since the epoch; 0: never). */
export interface KvEntry {
  value: Uint8Array;
  revision: bigint;
  ttl: number;
  expiresAt: number;
}

/** Store → key → entry: what the worker reports to `invoke` after each write. */
export type KvSnapshot = Record<string, Record<string, KvEntry>>;

/** A key written (entry) or deleted (null) in a store. */
export interface KvWrite {
  store: string;
  key: string;
  entry: KvEntry | null;
}

/** The most a page of `kv_keys` holds (docs/host-abi.md). */
export const MAX_PAGE_KEYS = 1000;
/** The most key bytes a page of `kv_keys` holds. */
export const MAX_PAGE_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/** Compares two keys in the byte order of their UTF-8. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}

// What strconv.ParseInt(s, 10, 64) accepts: an optional sign and digits.
const DECIMAL = /^[+-]?[0-9]+$/;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

interface Store {
  entries: Map<string, KvEntry>;
  /** The store's last revision: every write takes the next one. */
  revision: bigint;
}

/** In-memory stores with revisions, TTLs and the atomic operations. */
export class KvStores {
  private readonly stores = new Map<string, Store>();

  /** `initial`: each store's keys and values; `onWrite` sees every write. */
  constructor(
    initial: KvSnapshot,
    private readonly onWrite: (write: KvWrite) => void = () => undefined,
  ) {
    for (const [name, entries] of Object.entries(initial)) {
      const store: Store = { entries: new Map(), revision: 0n };
      for (const [key, entry] of Object.entries(entries)) {
        store.entries.set(key, entry);
        if (entry.revision > store.revision) store.revision = entry.revision;
      }
      this.stores.set(name, store);
    }
  }

  private store(name: string): Store {
    let store = this.stores.get(name);
    if (!store) {
      store = { entries: new Map(), revision: 0n };
      this.stores.set(name, store);
    }
    return store;
  }

  private live(store: Store, key: string): KvEntry | undefined {
    const entry = store.entries.get(key);
    if (entry && entry.expiresAt !== 0 && entry.expiresAt <= Date.now()) {
      store.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(name: string, key: string, value: Uint8Array, ttlSeconds: number): bigint {
    const store = this.store(name);
    const entry: KvEntry = {
      value,
      revision: ++store.revision,
      ttl: ttlSeconds,
      expiresAt: ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : 0,
    };
    store.entries.set(key, entry);
    this.onWrite({ store: name, key, entry });
    return entry.revision;
  }

  /** The key's entry, or not_found. */
  get(name: string, key: string): { status: number; entry?: KvEntry } {
    const entry = this.live(this.store(name), key);
    return entry ? { status: Status.ok, entry } : { status: Status.not_found };
  }

  /** Writes the key; its new revision. */
  set(name: string, key: string, value: Uint8Array, ttlSeconds: number): { status: number; revision: bigint } {
    return { status: Status.ok, revision: this.put(name, key, value, ttlSeconds) };
  }

  /** Writes the key only if it is absent, else exists. */
  create(name: string, key: string, value: Uint8Array, ttlSeconds: number): { status: number; revision: bigint } {
    if (this.live(this.store(name), key)) return { status: Status.exists, revision: 0n };
    return { status: Status.ok, revision: this.put(name, key, value, ttlSeconds) };
  }

  /** Writes the key only if its revision is `expected`: else conflict (not_found when absent). */
  update(name: string, key: string, value: Uint8Array, expected: bigint): { status: number; revision: bigint } {
    const entry = this.live(this.store(name), key);
    if (!entry) return { status: Status.not_found, revision: 0n };
    if (entry.revision !== expected) return { status: Status.conflict, revision: 0n };
    return { status: Status.ok, revision: this.put(name, key, value, 0) };
  }

  /** Deletes the key; ok also when it was absent. */
  delete(name: string, key: string): number {
    const store = this.store(name);
    if (this.live(store, key)) {
      store.entries.delete(key);
      store.revision++;
      this.onWrite({ store: name, key, entry: null });
    }
    return Status.ok;
  }

  /** Adds `by` to the key's decimal value (absent: 0); invalid when it is not one or would overflow. */
  increment(name: string, key: string, by: bigint): { status: number; value: bigint } {
    const entry = this.live(this.store(name), key);
    let current = 0n;
    if (entry) {
      const text = new TextDecoder().decode(entry.value);
      if (!DECIMAL.test(text)) return { status: Status.invalid, value: 0n };
      current = BigInt(text);
      if (current < I64_MIN || current > I64_MAX) return { status: Status.invalid, value: 0n };
    }
    const value = current + by;
    if (value < I64_MIN || value > I64_MAX) return { status: Status.invalid, value: 0n };
    this.put(name, key, encoder.encode(value.toString()), 0);
    return { status: Status.ok, value };
  }

  /** One page of the keys starting with `prefix` after `after`, in byte order, and whether more follow. */
  keys(name: string, prefix: string, after: string): { keys: string[]; more: boolean } {
    const store = this.store(name);
    const all = [...store.entries.keys()]
      .filter((k) => k.startsWith(prefix) && (after === "" || compareKeys(k, after) > 0) && this.live(store, k))
      .sort(compareKeys);
    const page: string[] = [];
    let bytes = 0;
    for (const key of all) {
      const size = encoder.encode(key).length;
      if (page.length === MAX_PAGE_KEYS || (page.length > 0 && bytes + size > MAX_PAGE_BYTES)) break;
      page.push(key);
      bytes += size;
    }
    return { keys: page, more: page.length < all.length };
  }
}
