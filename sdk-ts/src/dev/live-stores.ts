// The key-value stores of a `gojinn dev` session: they live as long as the
// server, so a value written by one request is read by the next, as with
// Caddy's stores. Each run starts from a copy and its changes are merged
// back key by key (concurrent runs: the last write of a key wins).
// Revisions are renumbered at each run and TTLs are not kept between runs.

type Stores = Record<string, Record<string, Uint8Array>>;

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a).equals(b);
}

/** The stores shared by a dev session's runs. */
export class LiveStores {
  private readonly stores: Stores = {};

  /** `initial`: each store's starting keys and values, as gojinn.dev.json's `kv`. */
  constructor(initial: Record<string, Record<string, string | Uint8Array>> = {}) {
    for (const [store, entries] of Object.entries(initial)) {
      this.stores[store] = Object.fromEntries(
        Object.entries(entries).map(([k, v]) => [k, typeof v === "string" ? new TextEncoder().encode(v) : v]),
      );
    }
  }

  /** A copy to start a run with. */
  snapshot(): Stores {
    return Object.fromEntries(Object.entries(this.stores).map(([s, e]) => [s, { ...e }]));
  }

  /** Applies what a run changed between `before` (its snapshot) and `after` (invoke's kvBytes). */
  merge(before: Stores, after: Stores): void {
    for (const [store, entries] of Object.entries(after)) {
      const live = (this.stores[store] ??= {});
      const old = before[store] ?? {};
      for (const [key, value] of Object.entries(entries)) if (!same(old[key], value)) live[key] = value;
      for (const key of Object.keys(old)) if (!(key in entries)) delete live[key];
    }
  }
}
