// The harness's host functions called as a guest calls them, on a real
// WebAssembly.Memory: the ABI's conventions (docs/host-abi.md) byte by byte.
// test/host.test.ts drives the same functions through the SDK.
import { afterEach, describe, expect, test, vi } from "vitest";
import { Status } from "../dist/contract/host-abi.js";
import { encodeFetchHead, hostImports, type FetchCall, type HostConfig } from "../dist/testing/host/host-imports.js";
import { KvStores } from "../dist/testing/host/kv-stores.js";
import { decodeSqlRequest } from "../dist/testing/host/sql-request.js";

const PAGE = 65536;
const enc = new TextEncoder();

/** A guest: one page of memory and the gojinn functions over it. */
function guest(config: Partial<HostConfig> = {}) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const logs: Array<[number, string]> = [];
  const writes: unknown[] = [];
  const calls: FetchCall[] = [];
  const fns = hostImports(
    () => memory,
    {
      kv: {},
      kvGrants: { s: "readwrite", ro: "read" },
      fetchAllow: [],
      fetchTimeoutMs: 1000,
      fetchMaxBody: 1000,
      fetchMaxCalls: 2,
      kvMaxValue: 100,
      enqueueGrants: [],
      fullQueues: [],
      maxJobSize: 100,
      aiGranted: false,
      aiAnswers: [],
      sqlGrants: {},
      databases: {},
      sqlMaxRows: 1000,
      sqlMaxResult: 1 << 20,
      objectGrants: {},
      objects: {},
      maxObject: 100,
      objectErrors: {},
      deadline: Date.now() + 60_000,
      bridge: { port: undefined as never, signal: new SharedArrayBuffer(4) },
      ...config,
    },
    {
      kvWrite: (w) => writes.push(w),
      fetchCall: (i, c) => (calls[i] = c),
      send: () => null,
      log: (l, m) => logs.push([l, m]),
      enqueue: () => undefined,
      aiChat: () => undefined,
      sqlChange: () => undefined,
      objectWrite: () => undefined,
      denied: () => undefined,
    },
  ) as unknown as Record<string, (...args: Array<number | bigint>) => number>;
  const bytes = new Uint8Array(memory.buffer);
  const view = new DataView(memory.buffer);
  // Strings at fixed places: store at 0, key at 100, value at 200.
  const put = (at: number, s: string | Uint8Array) => {
    const b = typeof s === "string" ? enc.encode(s) : s;
    bytes.set(b, at);
    return b.length;
  };
  const call = (name: string, ...args: Array<number | bigint>) => fns[name]!(...args);
  return { memory, bytes, view, put, call, logs, writes, calls };
}

describe("the buffer_too_small protocol", () => {
  test("kv_get: too small writes only the size; a retry with it gets the value and revision", () => {
    const g = guest({ kv: { s: { k: { value: enc.encode("hello world"), revision: 7n, ttl: 0, expiresAt: 0 } } } });
    const sl = g.put(0, "s");
    const kl = g.put(100, "k");
    g.bytes.fill(0xaa, 1000, 1100);
    for (const cap of [0, 10]) {
      g.view.setUint32(2000, 0, true);
      g.view.setBigUint64(2008, 99n, true);
      expect(g.call("kv_get", 0, sl, 100, kl, 1000, cap, 2000, 2008)).toBe(Status.buffer_too_small);
      expect(g.view.getUint32(2000, true)).toBe(11);
      expect(g.view.getBigUint64(2008, true)).toBe(99n); // nothing else written
      expect(g.bytes.subarray(1000, 1011).every((b) => b === 0xaa)).toBe(true);
    }
    expect(g.call("kv_get", 0, sl, 100, kl, 1000, 11, 2000, 2008)).toBe(Status.ok);
    expect(new TextDecoder().decode(g.bytes.subarray(1000, 1011))).toBe("hello world");
    expect(g.bytes[1011]).toBe(0xaa);
    expect(g.view.getUint32(2000, true)).toBe(11);
    expect(g.view.getBigUint64(2008, true)).toBe(7n);
  });

  test("kv_keys: a page is count, (length, bytes)..., more", () => {
    const entry = { value: enc.encode("v"), revision: 1n, ttl: 0, expiresAt: 0 };
    const g = guest({ kv: { s: { b: entry, a: entry, ab: entry, c: entry } } });
    const sl = g.put(0, "s");
    const pl = g.put(100, "a");
    expect(g.call("kv_keys", 0, sl, 100, pl, 0, 0, 1000, 0, 2000)).toBe(Status.buffer_too_small);
    expect(g.view.getUint32(2000, true)).toBe(4 + 5 + 6 + 4);
    expect(g.call("kv_keys", 0, sl, 100, pl, 0, 0, 1000, 19, 2000)).toBe(Status.ok);
    expect([...g.bytes.subarray(1000, 1019)]).toEqual([2, 0, 0, 0, 1, 0, 0, 0, 97, 2, 0, 0, 0, 97, 98, 0, 0, 0, 0]);
    // after "a": only "ab"
    expect(g.call("kv_keys", 0, sl, 100, pl, 100, 1, 1000, 100, 2000)).toBe(Status.ok);
    expect([...g.bytes.subarray(1000, 1014)]).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 97, 98, 0, 0, 0, 0]);
  });
});

describe("bounds: anything out of memory is invalid, with no effect", () => {
  test("a string, a buffer or an out-parameter past the end, or a negative pointer", () => {
    const g = guest();
    const sl = g.put(0, "s");
    const kl = g.put(100, "k");
    const vl = g.put(200, "v");
    expect(g.call("kv_set", 0, sl, 100, kl, 200, vl, 0, PAGE - 7)).toBe(Status.invalid); // rev_out: 8 bytes
    expect(g.call("kv_set", 0, sl, 100, kl, PAGE - 1, 2, 0, 3000)).toBe(Status.invalid);
    expect(g.call("kv_set", 0, sl, -1, kl, 200, vl, 0, 3000)).toBe(Status.invalid);
    expect(g.call("kv_set", 0, sl, 100, -1, 200, vl, 0, 3000)).toBe(Status.invalid);
    expect(g.call("kv_increment", 0, sl, 100, kl, 1n, PAGE - 4)).toBe(Status.invalid);
    expect(g.call("kv_get", 0, sl, 100, kl, 1000, 10, PAGE - 3, 3000)).toBe(Status.invalid);
    expect(g.call("fetch", 0, 10, 0, 0, PAGE - 11)).toBe(Status.invalid); // out: three u32
    expect(g.writes).toEqual([]);
    expect(g.calls).toEqual([]);
    // In bounds at the very end is fine.
    expect(g.call("kv_set", 0, sl, 100, kl, 200, vl, 0, PAGE - 8)).toBe(Status.ok);
    expect(g.view.getBigUint64(PAGE - 8, true)).toBe(1n);
  });

  test("invalid UTF-8 in a store name or key is invalid", () => {
    const g = guest();
    const sl = g.put(0, "s");
    const kl = g.put(100, new Uint8Array([0xff, 0xfe]));
    expect(g.call("kv_delete", 0, sl, 100, kl)).toBe(Status.invalid);
    const bad = g.put(300, new Uint8Array([0xc3]));
    expect(g.call("kv_delete", 300, bad, 0, sl)).toBe(Status.invalid);
  });

  test("handles: an unknown one is invalid", () => {
    const g = guest();
    expect(g.call("fetch_head", 42, 0, 10, 100)).toBe(Status.invalid);
    expect(g.call("fetch_body", 42, 0, 10, 100)).toBe(Status.invalid);
    expect(g.call("fetch_close", 42)).toBe(Status.invalid);
  });
});

describe("kv", () => {
  test("kv_update compares the i64 revision; kv_increment writes an i64", () => {
    const g = guest();
    const sl = g.put(0, "s");
    const kl = g.put(100, "k");
    const vl = g.put(200, "v");
    expect(g.call("kv_update", 0, sl, 100, kl, 200, vl, 1n, 3000)).toBe(Status.not_found);
    expect(g.call("kv_create", 0, sl, 100, kl, 200, vl, 0, 3000)).toBe(Status.ok);
    expect(g.call("kv_create", 0, sl, 100, kl, 200, vl, 0, 3000)).toBe(Status.exists);
    expect(g.call("kv_update", 0, sl, 100, kl, 200, vl, 2n, 3000)).toBe(Status.conflict);
    expect(g.call("kv_update", 0, sl, 100, kl, 200, vl, 1n, 3000)).toBe(Status.ok);
    expect(g.view.getBigUint64(3000, true)).toBe(2n);
    const nl = g.put(400, "n");
    expect(g.call("kv_increment", 0, sl, 400, nl, -5n, 3000)).toBe(Status.ok);
    expect(g.view.getBigInt64(3000, true)).toBe(-5n);
  });

  test("checks in the host's order: store name, grant, key, value, TTL", () => {
    const g = guest();
    const vl = g.put(200, "v");
    const long = g.put(0, "s".repeat(65));
    expect(g.call("kv_delete", 0, long, 100, 0)).toBe(Status.too_large); // a long name, before its grant
    const other = g.put(0, "other");
    expect(g.call("kv_delete", 0, other, 100, 0)).toBe(Status.denied); // not granted, before the empty key
    const ro = g.put(0, "ro");
    expect(g.call("kv_set", 0, ro, 100, 0, 200, 101, -1, 3000)).toBe(Status.denied);
    const s = g.put(0, "s");
    expect(g.call("kv_set", 0, s, 100, 0, 200, 101, -1, 3000)).toBe(Status.invalid); // empty key, before the value
    const kl = g.put(100, "k");
    expect(g.call("kv_set", 0, s, 100, kl, 200, 101, -1, 3000)).toBe(Status.too_large); // the value, before the TTL
    expect(g.call("kv_set", 0, s, 100, kl, 200, vl, -1, 3000)).toBe(Status.invalid);
    expect(g.call("kv_keys", 0, other, 100, 2000, 0, 0, 1000, 10, 3000)).toBe(Status.denied); // before the long prefix
    expect(g.call("kv_keys", 0, s, 100, 2000, 0, 0, 1000, 10, 3000)).toBe(Status.too_large);
  });

  test("fetch: with no allow-list at all, denied before the request is read", () => {
    const g = guest();
    const n = g.put(0, "not json");
    expect(g.call("fetch", 0, n, 0, 0, 100)).toBe(Status.denied);
    const allowed = guest({ fetchAllow: ["https://api.example.com"] });
    allowed.put(0, "not json");
    expect(allowed.call("fetch", 0, n, 0, 0, 100)).toBe(Status.invalid);
  });

  test("grants: a store not granted is denied; a read-only one denies writes; TTL < 0 is invalid", () => {
    const g = guest();
    const kl = g.put(100, "k");
    const vl = g.put(200, "v");
    const other = g.put(0, "other");
    expect(g.call("kv_set", 0, other, 100, kl, 200, vl, 0, 3000)).toBe(Status.denied);
    const ro = g.put(0, "ro");
    expect(g.call("kv_set", 0, ro, 100, kl, 200, vl, 0, 3000)).toBe(Status.denied);
    expect(g.call("kv_get", 0, ro, 100, kl, 1000, 10, 2000, 2008)).toBe(Status.not_found);
    const s = g.put(0, "s");
    expect(g.call("kv_set", 0, s, 100, kl, 200, vl, -1, 3000)).toBe(Status.invalid);
    expect(g.call("kv_set", 0, s, 100, kl, 200, 101, 0, 3000)).toBe(Status.too_large);
  });
});

describe("the response head", () => {
  test("is compact JSON with header names sorted, without HTML escaping", () => {
    const head = new TextDecoder().decode(encodeFetchHead(200, { "X-B": ["<a&b>"], "Content-Type": ["text/plain"] }));
    expect(head).toBe('{"status":200,"headers":{"Content-Type":["text/plain"],"X-B":["<a&b>"]}}');
  });
});

describe("KvStores", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("a key with a TTL is gone after it, for every operation", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const stores = new KvStores({});
    stores.set("s", "t", enc.encode("v"), 2);
    stores.set("s", "keep", enc.encode("1"), 0);
    vi.setSystemTime(1_000_000 + 1999);
    expect(stores.get("s", "t").status).toBe(Status.ok);
    vi.setSystemTime(1_000_000 + 2000);
    expect(stores.get("s", "t").status).toBe(Status.not_found);
    expect(stores.keys("s", "", "").keys).toEqual(["keep"]);
    expect(stores.create("s", "t", enc.encode("w"), 0).status).toBe(Status.ok);
  });
});

describe("host_log", () => {
  test("each line with its level as given; a bad pointer writes nothing", () => {
    const g = guest();
    const n = g.put(0, "boom ✓");
    g.call("host_log", 3, 0, n);
    g.call("host_log", 1, 0, n);
    g.call("host_log", 4, 0, n);
    g.call("host_log", 3, PAGE - 2, 10);
    expect(g.logs).toEqual([
      [3, "boom ✓"],
      [1, "boom ✓"],
      [4, "boom ✓"],
    ]);
  });
});

describe("requests read as Go's encoding/json reads them", () => {
  test.each([
    ['{"store":"media","limit":2}', Status.ok],
    ['{"store":"media","limit":null}', Status.ok],
    ['{"store":"media","limit":1.0}', Status.invalid],
    ['{"store":"media","limit":1e2}', Status.invalid],
    ['{"store":"media","limit":99999999999999999999}', Status.invalid],
  ])("object_list %s", (request, status) => {
    const g = guest({ objectGrants: { media: { access: "read", prefix: "" } } });
    const rl = g.put(0, request);
    expect(g.call("object_list", 0, rl, 1000)).toBe(status);
  });

  test("sql params: integers exact over i64, other numbers floats, blobs strict", () => {
    const req = decodeSqlRequest(
      '{"db":"main","sql":"SELECT ?","params":[9223372036854775807, -9223372036854775808, 9223372036854775808, 2.0, 1e2, true, null, "x", {"blob":"AAE="}]}',
    );
    expect(req?.params).toEqual([
      9223372036854775807n,
      -9223372036854775808n,
      9223372036854775808,
      2,
      100,
      true,
      null,
      "x",
      new Uint8Array([0, 1]),
    ]);
    expect(typeof req?.params[3]).toBe("number"); // 2.0: a float, not the integer 2
    for (const bad of ["[1e999]", '[{"blob":"!"}]', '[{"blob":"AA==","x":1}]', "[[1]]", '{"a":1}']) {
      expect(decodeSqlRequest(`{"db":"main","sql":"SELECT ?","params":${bad}}`), bad).toBeNull();
    }
    expect(decodeSqlRequest('{"db":"main","sql":"SELECT 1","params":null,"other":[1,{"x":2}]}')).toEqual({
      db: "main",
      sql: "SELECT 1",
      params: [],
    });
    expect(decodeSqlRequest("null")).toBeNull();
  });
});
