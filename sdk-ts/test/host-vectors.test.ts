// The host ABI vectors (contract/host/*.json, format in contract/README.md)
// run against the harness's host functions (src/testing/host/), the same
// files host/vectors_test.go runs against the Go host: the two cannot drift.
// Each call's arguments are placed in a real WebAssembly.Memory, as a guest
// would place them, and the function is called as the guest calls it.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { Status, STATUS_NAMES } from "../dist/contract/host-abi.js";
import type { BridgeReply, FetchRequest } from "../dist/testing/host/fetch-bridge.js";
import { hostImports, type AiChat, type EnqueuedJob, type KvMode } from "../dist/testing/host/host-imports.js";
import { initialStores } from "../dist/testing/host/host-run.js";
import type { KvSnapshot } from "../dist/testing/host/kv-stores.js";
import { storedObject, type ObjectsSnapshot } from "../dist/testing/host/objects-stores.js";
import { SqlDatabases } from "../dist/testing/host/sql-databases.js";
import { loadSqlJs, type SqlJsStatic } from "../dist/testing/host/sql-js.js";

const DIR = fileURLToPath(new URL("../../contract/host/", import.meta.url));

type Bytes = string | { hex: string } | { repeat: string; count: number };

interface Call {
  fn: string;
  oob?: string[];
  expect?: {
    status: string;
    len?: number;
    value?: Bytes;
    rev?: number;
    number?: string;
    keys?: string[];
    more?: boolean;
    handle?: number;
    head_len?: number;
    body_len?: number;
    text_len?: number;
    size?: number;
    prompt_tokens?: number;
    completion_tokens?: number;
  };
  [arg: string]: unknown;
}

interface Vector {
  name: string;
  grants: {
    kv?: Record<string, "read" | "read-write">;
    fetch?: boolean;
    max_fetch_calls?: number;
    max_value?: number;
    enqueue?: string[];
    max_job_size?: number;
    ai?: boolean;
    objects?: Record<string, { access: "read" | "read-write"; prefix?: string }>;
    sql?: Record<string, "read" | "read-write">;
  };
  databases?: Record<string, { schema?: string[]; max_rows?: number; max_result?: number }>;
  full_queues?: string[];
  objects?: Record<string, Record<string, { body: Bytes; content_type: string }>>;
  max_object?: number;
  object_errors?: Record<string, "unavailable" | "timeout" | "io_error">;
  ai?: Array<{ text: string; prompt_tokens?: number; completion_tokens?: number } | { error: string }>;
  kv?: Record<string, Record<string, string>>;
  fetch?: Array<{ status: number; headers: Record<string, string[]>; body: string } | { error: string }>;
  calls: Call[];
  after?: {
    kv?: Record<string, Record<string, string>>;
    ttls?: Record<string, number>;
    sent?: Array<{ method: string; url: string; headers: Record<string, string[]>; body: string }>;
    logs?: Array<{ level: number; msg: string }>;
    enqueued?: Array<{ queue: string; body: Bytes; id: string }>;
    chats?: Array<{ model: string; messages: Array<{ role: string; content: string }> }>;
    objects?: Record<string, Record<string, { body: Bytes; content_type: string }>>;
    queries?: Array<{ db: string; sql: string; result: string }>;
    denied?: number;
  };
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function bytesOf(spec: unknown): Uint8Array {
  if (spec === undefined) return new Uint8Array();
  if (typeof spec === "string") return enc.encode(spec);
  const s = spec as { hex?: string; repeat?: string; count?: number };
  if (s.hex !== undefined) return new Uint8Array(Buffer.from(s.hex, "hex"));
  return enc.encode(s.repeat!.repeat(s.count!));
}

/** Where an out-of-bounds pointer points (contract/README.md). */
const OOB = 0xfffffff0 | 0;
/** Sentinel filling buffers and out-parameters: a call that fails must leave it. */
const SENTINEL = 0xaa;

let sqlJs: SqlJsStatic;
beforeAll(async () => {
  sqlJs = await loadSqlJs();
});

/** A vector's databases, fresh: each one's schema run on an empty database, as file images. */
function databaseImages(v: Vector): Record<string, Uint8Array> {
  return Object.fromEntries(
    Object.entries(v.databases ?? {}).map(([name, d]) => {
      const db = new sqlJs.Database();
      for (const statement of d.schema ?? []) db.run(statement);
      const image = db.export();
      db.close();
      return [name, image];
    }),
  );
}

// The harness caps results per run, not per database: a vector's databases share their caps.
function sqlLimits(v: Vector): { maxRows: number; maxResult: number } {
  const given = Object.values(v.databases ?? {});
  return {
    maxRows: Math.max(0, ...given.map((d) => d.max_rows ?? 0)) || 1000,
    maxResult: Math.max(0, ...given.map((d) => d.max_result ?? 0)) || 1 << 20,
  };
}

/** Runs one vector: its calls in order, in one run; returns what `after` checks. */
function run(v: Vector) {
  const memory = new WebAssembly.Memory({ initial: 48 }); // 3 MiB: a 1 MiB value and a 1 MiB buffer fit
  const stores: KvSnapshot = initialStores(v.kv ?? {});
  const replies = [...(v.fetch ?? [])];
  const sent: FetchRequest[] = [];
  const logs: Array<{ level: number; msg: string }> = [];
  const enqueued: EnqueuedJob[] = [];
  const chats: AiChat[] = [];
  let denied = 0;
  const images = databaseImages(v);
  const limits = sqlLimits(v);
  // Every loaded object was last modified at 2026-12-03T17:00:00Z (contract/README.md).
  const objects: ObjectsSnapshot = Object.fromEntries(
    Object.entries(v.objects ?? {}).map(([store, entries]) => [
      store,
      Object.fromEntries(
        Object.entries(entries).map(([k, o]) => [k, storedObject(bytesOf(o.body), o.content_type, Date.UTC(2026, 11, 3, 17))]),
      ),
    ]),
  );
  const kvGrants: Record<string, KvMode> = Object.fromEntries(
    Object.entries(v.grants.kv ?? {}).map(([s, m]) => [s, m === "read" ? "read" : "readwrite"]),
  );
  // "fetch": true gives the run a fetcher that the vector's replies answer
  // (an allow-list refusal among them): the allow-list lets every origin
  // the vector asks for through.
  const origins = new Set<string>();
  for (const c of v.calls) {
    if (c.fn !== "fetch") continue;
    try {
      const u = (JSON.parse(dec.decode(bytesOf(c["request"]))) as { url?: unknown }).url;
      if (typeof u === "string" && /^https?:\/\/[^/?#]/i.test(u)) origins.add(new URL(u).origin);
    } catch {
      // a malformed request: the host refuses it before the allow-list
    }
  }
  const fns = hostImports(
    () => memory,
    {
      kv: structuredClone(stores),
      kvGrants,
      fetchAllow: v.grants.fetch ? [...origins] : [],
      fetchTimeoutMs: 10_000,
      fetchMaxBody: 10_000_000,
      fetchMaxCalls: v.grants.max_fetch_calls || 50,
      kvMaxValue: v.grants.max_value || 1 << 20,
      enqueueGrants: v.grants.enqueue ?? [],
      fullQueues: v.full_queues ?? [],
      maxJobSize: v.grants.max_job_size || 1 << 20,
      aiGranted: v.grants.ai === true,
      aiAnswers: (v.ai ?? []).map((a) =>
        "error" in a
          ? { error: a.error as (typeof STATUS_NAMES)[number] }
          : { text: a.text, promptTokens: a.prompt_tokens, completionTokens: a.completion_tokens },
      ),
      sqlGrants: Object.fromEntries(Object.entries(v.grants.sql ?? {}).map(([d, m]) => [d, m === "read" ? "read" : "readwrite"])),
      databases: { ...images },
      sqlMaxRows: limits.maxRows,
      sqlMaxResult: limits.maxResult,
      objectGrants: Object.fromEntries(
        Object.entries(v.grants.objects ?? {}).map(([s, g]) => [
          s,
          { access: g.access === "read" ? "read" : "readwrite", prefix: g.prefix ?? "" },
        ]),
      ),
      objects: structuredClone(objects),
      maxObject: v.max_object || 10 << 20,
      objectErrors: v.object_errors ?? {},
      deadline: Date.now() + 60_000,
      bridge: undefined as never,
    },
    {
      kvWrite: ({ store, key, entry }) => {
        const s = (stores[store] ??= {});
        if (entry) s[key] = entry;
        else delete s[key];
      },
      fetchCall: () => undefined,
      send: (_index, request): BridgeReply | null => {
        sent.push(request);
        const reply = replies.shift();
        if (!reply) throw new Error("the vector has no reply for this call");
        if ("error" in reply) return { error: reply.error as (typeof STATUS_NAMES)[number], reason: "vector" };
        return { status: reply.status, headers: reply.headers, body: enc.encode(reply.body) };
      },
      log: (level, msg) => logs.push({ level, msg }),
      enqueue: (job) => enqueued.push(job),
      aiChat: (call) => chats.push(call),
      sqlChange: (db, image) => (images[db] = image),
      objectWrite: ({ store, key, object }) => {
        const s = (objects[store] ??= {});
        if (object) s[key] = object;
        else delete s[key];
      },
      denied: () => denied++,
    },
    sqlJs,
  ) as unknown as Record<string, (...args: Array<number | bigint>) => number | undefined>;

  const mem = new Uint8Array(memory.buffer);
  const view = new DataView(memory.buffer);
  v.calls.forEach((c, i) => {
    const label = `${v.name}: call ${i} (${c.fn})`;
    let next = 64;
    const place = (name: string, bytes: Uint8Array): [number, number] => {
      const at = next;
      mem.set(bytes, at);
      next += bytes.length + 8;
      return [c.oob?.includes(name) ? OOB : at, bytes.length];
    };
    const out = (name: string, size: number): number => {
      const at = next;
      mem.fill(SENTINEL, at, at + size);
      next += size + 8;
      return c.oob?.includes(name) ? OOB : at;
    };
    const arg = (name: string) => place(name, bytesOf(c[name]));
    const bufCap = Number(c["buf_cap"] ?? 0);
    let args: Array<number | bigint>;
    let buf = 0;
    let lenOut = 0;
    let revOut = 0;
    let valueOut = 0;
    let outPtr = 0;
    const bufArgs = (): number[] => {
      buf = out("buf", bufCap);
      lenOut = out("len_out", 4);
      return [buf, bufCap, lenOut];
    };
    switch (c.fn) {
      case "host_log":
        fns["host_log"]!(Number(c["level"]), ...arg("msg"));
        return;
      case "kv_get":
        args = [...arg("store"), ...arg("key"), ...bufArgs(), (revOut = out("rev_out", 8))];
        break;
      case "kv_set":
      case "kv_create":
        args = [...arg("store"), ...arg("key"), ...arg("value"), Number(c["ttl"] ?? 0), (revOut = out("rev_out", 8))];
        break;
      case "kv_update":
        args = [...arg("store"), ...arg("key"), ...arg("value"), BigInt(c["rev"] as number), (revOut = out("rev_out", 8))];
        break;
      case "kv_delete":
        args = [...arg("store"), ...arg("key")];
        break;
      case "kv_increment":
        args = [...arg("store"), ...arg("key"), BigInt(c["by"] as string), (valueOut = out("value_out", 8))];
        break;
      case "kv_keys":
        args = [...arg("store"), ...arg("prefix"), ...arg("after"), ...bufArgs()];
        break;
      case "fetch":
        args = [...arg("request"), ...arg("body"), (outPtr = out("out", 12))];
        break;
      case "fetch_head":
      case "fetch_body":
        args = [Number(c["handle"]) | 0, ...bufArgs()];
        break;
      case "fetch_close":
        args = [Number(c["handle"]) | 0];
        break;
      case "enqueue":
        args = [...arg("queue"), ...arg("body"), ...bufArgs()];
        break;
      case "ai_chat":
        args = [...arg("request"), (outPtr = out("out", 16))];
        break;
      case "object_get":
      case "object_head":
      case "object_list":
        args = [...arg("request"), (outPtr = out("out", 12))];
        break;
      case "object_put":
        args = [...arg("request"), ...arg("body")];
        break;
      case "object_delete":
        args = [...arg("request")];
        break;
      case "sql_query":
      case "sql_exec":
        args = [...arg("request"), (outPtr = out("out", 8))];
        break;
      default:
        throw new Error(`${label}: unknown function`);
    }
    const status = fns[c.fn]!(...args);
    const want = c.expect!;
    expect(STATUS_NAMES[status as number], label).toBe(want.status);
    const untouched = (ptr: number, size: number) =>
      ptr !== 0 && ptr !== OOB ? mem.subarray(ptr, ptr + size).every((b) => b === SENTINEL) : true;
    if (status !== Status.ok) {
      expect(untouched(buf, bufCap), `${label}: buffer untouched`).toBe(true);
      expect(
        // sql_* write their handle and size (0, or the database's message) whatever the status, but after a bounds failure.
        untouched(revOut, 8) && untouched(valueOut, 8) && (c.fn.startsWith("sql_") || untouched(outPtr, c.fn === "ai_chat" ? 16 : 12)),
        `${label}: out-parameters untouched`,
      ).toBe(true);
      if (status !== Status.buffer_too_small) expect(untouched(lenOut, 4), `${label}: len_out untouched`).toBe(true);
    }
    const len = lenOut && lenOut !== OOB ? view.getUint32(lenOut, true) : 0;
    if (want.len !== undefined) expect(len, `${label}: len`).toBe(want.len);
    if (want.value !== undefined) expect(dec.decode(mem.subarray(buf, buf + len)), `${label}: value`).toBe(dec.decode(bytesOf(want.value)));
    if (want.rev !== undefined) expect(view.getBigUint64(revOut, true), `${label}: rev`).toBe(BigInt(want.rev));
    if (want.number !== undefined) expect(view.getBigInt64(valueOut, true), `${label}: number`).toBe(BigInt(want.number));
    if (want.keys !== undefined || want.more !== undefined) {
      const keys: string[] = [];
      let at = buf + 4;
      for (let k = 0, n = view.getUint32(buf, true); k < n; k++) {
        const l = view.getUint32(at, true);
        keys.push(dec.decode(mem.subarray(at + 4, at + 4 + l)));
        at += 4 + l;
      }
      if (want.keys !== undefined) expect(keys, `${label}: keys`).toEqual(want.keys);
      if (want.more !== undefined) expect(view.getUint32(at, true) === 1, `${label}: more`).toBe(want.more);
    }
    if (want.handle !== undefined) expect(view.getUint32(outPtr, true), `${label}: handle`).toBe(want.handle);
    if (want.head_len !== undefined) expect(view.getUint32(outPtr + 4, true), `${label}: head_len`).toBe(want.head_len);
    if (want.body_len !== undefined) expect(view.getUint32(outPtr + 8, true), `${label}: body_len`).toBe(want.body_len);
    if (want.size !== undefined) expect(view.getUint32(outPtr + 4, true), `${label}: size`).toBe(want.size);
    if (want.text_len !== undefined) expect(view.getUint32(outPtr + 4, true), `${label}: text_len`).toBe(want.text_len);
    if (want.prompt_tokens !== undefined) expect(view.getUint32(outPtr + 8, true), `${label}: prompt_tokens`).toBe(want.prompt_tokens);
    if (want.completion_tokens !== undefined)
      expect(view.getUint32(outPtr + 12, true), `${label}: completion_tokens`).toBe(want.completion_tokens);
  });
  return { stores, sent, logs, enqueued, chats, objects, images, denied };
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();
const vectors = files.flatMap((f) => (JSON.parse(readFileSync(DIR + f, "utf8")) as Vector[]).map((v) => [`${f}: ${v.name}`, v] as const));

describe("host ABI vectors (contract/host)", () => {
  test("there are vectors for kv, fetch, enqueue, ai_chat, host_log, object_* and sql_*", () => {
    expect(files).toEqual(
      expect.arrayContaining(["ai.json", "enqueue.json", "fetch.json", "kv.json", "log.json", "objects.json", "sql.json"]),
    );
    expect(vectors.length).toBeGreaterThan(20);
  });

  test.each(vectors)("%s", (_name, v) => {
    const got = run(v);
    const after = v.after ?? {};
    if (after.kv !== undefined) {
      const text = Object.fromEntries(
        Object.entries(got.stores)
          .filter(([, entries]) => Object.keys(entries).length > 0)
          .map(([s, entries]) => [s, Object.fromEntries(Object.entries(entries).map(([k, e]) => [k, dec.decode(e.value)]))]),
      );
      expect(text, "after.kv").toEqual(after.kv);
    }
    for (const [path, ttl] of Object.entries(after.ttls ?? {})) {
      const [store, key] = path.split("/") as [string, string];
      expect(got.stores[store]?.[key]?.ttl, `after.ttls ${path}`).toBe(ttl);
    }
    if (after.sent !== undefined) {
      expect(
        got.sent.map((r) => ({ method: r.method, url: r.url, headers: r.headers, body: dec.decode(r.body) })),
        "after.sent",
      ).toEqual(after.sent);
    }
    if (after.logs !== undefined) expect(got.logs, "after.logs").toEqual(after.logs);
    if (after.enqueued !== undefined) {
      const want = after.enqueued.map((j) => ({ queue: j.queue, id: j.id, body: Buffer.from(bytesOf(j.body)).toString("hex") }));
      const jobs = got.enqueued.map((j) => ({ queue: j.queue, id: j.id, body: Buffer.from(j.body).toString("hex") }));
      expect(jobs, "after.enqueued").toEqual(want);
    }
    if (after.chats !== undefined)
      expect(
        got.chats.map((c) => ({ model: c.model, messages: c.messages })),
        "after.chats",
      ).toEqual(after.chats);
    if (after.objects !== undefined) {
      const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
      const want = Object.fromEntries(
        Object.entries(after.objects).map(([s, entries]) => [
          s,
          Object.fromEntries(Object.entries(entries).map(([k, o]) => [k, { body: hex(bytesOf(o.body)), content_type: o.content_type }])),
        ]),
      );
      const objects = Object.fromEntries(
        Object.entries(got.objects)
          .filter(([, entries]) => Object.keys(entries).length > 0)
          .map(([s, entries]) => [
            s,
            Object.fromEntries(Object.entries(entries).map(([k, o]) => [k, { body: hex(o.body), content_type: o.contentType }])),
          ]),
      );
      expect(objects, "after.objects").toEqual(want);
    }
    for (const q of after.queries ?? []) {
      // Read through the harness's own databases, as a guest would read them.
      const db = new SqlDatabases(sqlJs, got.images, { [q.db]: "readwrite" }, { maxRows: 1000, maxResult: 1 << 20 }, () => undefined);
      const outcome = db.run(q.db, q.sql, [], true);
      expect(dec.decode(outcome.held), `after.queries ${q.sql}`).toBe(q.result);
    }
    if (after.denied !== undefined) expect(got.denied, "after.denied").toBe(after.denied);
  });
});
