// The object stores of a `gojinn dev` session: they live as long as the
// server, so an object put by one request is read by the next. Each run
// starts from a copy and its changes are merged back key by key
// (concurrent runs: the last write of a key wins).
import { initialObjects, type ObjectEntry, type ObjectSeed } from "../testing/host/host-run.js";

type Stores = Record<string, Record<string, ObjectSeed>>;

/** An object as the next run is given it: bytes, content type and last change kept. */
function seedOf(o: ObjectEntry): ObjectSeed {
  return { body: o.body, contentType: o.contentType, lastModified: Date.parse(o.lastModified) };
}

/** The object stores shared by a dev session's runs. */
export class LiveObjects {
  private readonly stores: Stores = {};

  /** `initial`: each store's objects, as gojinn.dev.json's `objects`. */
  constructor(initial: Stores = {}) {
    for (const [store, objects] of Object.entries(initial)) this.stores[store] = { ...objects };
  }

  /** A copy to start a run with. */
  snapshot(): Stores {
    return Object.fromEntries(Object.entries(this.stores).map(([s, o]) => [s, { ...o }]));
  }

  /** Applies what a run changed between `before` (its snapshot) and `after` (invoke's `objects`): a new key, ETag or content type is a write. */
  merge(before: Stores, after: Record<string, Record<string, ObjectEntry>>): void {
    const started = initialObjects(before);
    for (const [store, objects] of Object.entries(after)) {
      const live = (this.stores[store] ??= {});
      const old = started[store] ?? {};
      for (const [key, o] of Object.entries(objects)) {
        const was = old[key];
        if (!was || was.etag !== o.etag || was.contentType !== o.contentType) live[key] = seedOf(o);
      }
      for (const key of Object.keys(before[store] ?? {})) if (!(key in objects)) delete live[key];
    }
  }
}
