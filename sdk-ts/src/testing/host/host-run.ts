// The caller's side of one run's host functions: builds their config from
// invoke's options (checked as the config loader checks a Caddyfile), keeps
// the stores' contents as the worker reports each write (so they are known
// even when the run is stopped), answers outbound requests and lists them.
import { MessageChannel, type MessagePort } from "node:worker_threads";
import type { WorkerMessage } from "../worker-protocol.js";
import { parseFetchRule } from "./allow-list.js";
import { answerThroughBridge, type FetchHandler } from "./fetch-bridge.js";
import { STORE_NAME, type AiAnswer, type AiChat, type EnqueuedJob, type FetchCall, type HostConfig, type KvMode } from "./host-imports.js";
import { compareKeys, type KvSnapshot } from "./kv-stores.js";
import type { ObjectGrant } from "./objects-request.js";
import { storedObject, timestamp, type ObjectsSnapshot, type StoredObject } from "./objects-stores.js";
import type { SqlMode } from "./sql-databases.js";
import { isSqlJsDatabase, loadSqlJs, type SqlJsDatabase, type SqlJsStatic } from "./sql-js.js";

/** What a handler is granted, as its Caddyfile block grants it: nothing by default. */
export interface Grants {
  /**
   * Stores: names (each read and write, as `kv sessions`), or name → mode
   * (`"read"` as `kv settings read`, or `"readwrite"`).
   */
  kv?: string[] | Record<string, KvMode>;
  /** The fetch allow-list: `https://api.example.com`, `https://*.example.org`, `http://127.0.0.1:9000`. */
  fetch?: string[];
  /** Queues the handler may add jobs to, as `enqueue orders`. */
  enqueue?: string[];
  /** The `ai` grant: `ai.chat` gets the canned `aiAnswers`. */
  ai?: boolean;
  /** Databases: names (each read and write, as `sql main`), or name → mode (`"read"` as `sql main read`, or `"readwrite"`). */
  sql?: string[] | Record<string, SqlMode>;
  /**
   * Object stores: names (read and write, no prefix, as `objects media`),
   * or name → mode, or name → `{access, prefix}` (as `objects media read prefix u/`).
   */
  objects?: string[] | Record<string, SqlMode | { access?: SqlMode; prefix?: string }>;
}

/** An object of a store before the run: text (`text/plain; charset=utf-8`), bytes (`application/octet-stream`), or both with its content type and last change. */
export type ObjectSeed = string | Uint8Array | { body: string | Uint8Array; contentType?: string; lastModified?: Date | number };

/** An object as a test reads it after the run. */
export interface ObjectEntry {
  body: Uint8Array;
  /** The body as UTF-8 text. */
  text: string;
  contentType: string;
  /** The quoted MD5 of the body, as S3 gives it. */
  etag: string;
  /** RFC 3339 in UTC, to the second. */
  lastModified: string;
}

/** The options of invoke that concern the host functions (the `gojinn` import module). */
export interface HostOptions {
  /** The key-value stores before the run: store → key → value (text or bytes). */
  kv?: Record<string, Record<string, string | Uint8Array>>;
  /** What the handler may use; anything else is `denied`, as on the host. */
  grants?: Grants;
  /**
   * Stands in for the network: gets each outbound request the allow-list
   * lets through and answers `{status, headers, body}`, `{error: "timeout"}`
   * (any status name) or a WHATWG `Response`; may be async. Without it,
   * allowed requests fail with `unavailable`.
   */
  fetch?: FetchHandler;
  /** A fetch call's timeout, as `fetch_timeout` (never beyond the run's). Default 10 s. */
  fetchTimeoutMs?: number;
  /** The largest response body, as `fetch_max_body`; larger is `too_large`. Default 10 MB. */
  fetchMaxBody?: number;
  /** Calls allowed per run, as `fetch_max_calls`; more are `limit`. Default 50. */
  fetchMaxCalls?: number;
  /** The largest value, as `kv_max_value`; larger is `too_large`. Default 1 MiB. */
  kvMaxValue?: number;
  /** Granted queues that are full: `queue.enqueue` to them fails with `unavailable`. */
  fullQueues?: string[];
  /** The largest job body, as a queue's `max_job_size`; larger is `too_large`. Default 1 MiB. */
  maxJobSize?: number;
  /**
   * Stands in for the AI endpoint: the answers of the guest's `ai.chat`
   * calls, in order (`"text"`, `{text, promptTokens, completionTokens}`, or
   * `{error: "unavailable"}`, any status name); past them, `unavailable`.
   */
  aiAnswers?: Array<string | AiAnswer>;
  /**
   * The databases before the run (in-memory SQLite, sql.js): name → an SQL
   * script run first (`"CREATE TABLE ...; INSERT ..."`), a SQLite file image,
   * or a sql.js `Database` (copied: the test's stays as it is).
   */
  databases?: Record<string, string | Uint8Array | SqlJsDatabase>;
  /** A query's most rows, as a database's `max_rows`; more is `too_large`. Default 1,000. */
  sqlMaxRows?: number;
  /** A result's largest size in bytes, as a database's `max_result`; larger is `too_large`. Default 1 MiB. */
  sqlMaxResult?: number;
  /** The object stores before the run: store → key → object. */
  objects?: Record<string, Record<string, ObjectSeed>>;
  /** The largest object, as a store's `max_object`; larger is `too_large`. Default 10 MiB. */
  maxObject?: number;
  /** Granted stores whose every call fails with this error, as a store that cannot be reached (`unavailable`), is slow (`timeout`) or refuses (`io_error`). */
  objectErrors?: Record<string, "unavailable" | "timeout" | "io_error">;
}

/** The host's defaults for outbound calls and values (docs/host-abi.md, docs/caddyfile.md). */
export const HOST_DEFAULTS = {
  fetchTimeoutMs: 10_000,
  fetchMaxBody: 10_000_000,
  fetchMaxCalls: 50,
  kvMaxValue: 1 << 20,
  maxJobSize: 1 << 20,
  sqlMaxRows: 1000,
  sqlMaxResult: 1 << 20,
  maxObject: 10 << 20,
} as const;

// A grant list: names (each read and write) or name → what `entry` makes of it, names checked.
function namedModes<T>(
  what: "kv" | "sql" | "objects",
  list: string[] | Record<string, unknown>,
  entry: (value: unknown, name: string) => T,
): Record<string, T> {
  const named: Record<string, unknown> = Array.isArray(list) ? Object.fromEntries(list.map((n) => [n, "readwrite"])) : list;
  const noun = what === "sql" ? "database" : "store";
  return Object.fromEntries(
    Object.entries(named).map(([name, value]) => {
      if (!STORE_NAME.test(name)) throw new Error(`invoke: grants.${what}: bad ${noun} name ${JSON.stringify(name)} (want ${STORE_NAME})`);
      return [name, entry(value, name)];
    }),
  );
}

// A grant's mode, checked.
function modeOf(what: string, name: string, mode: unknown): SqlMode {
  if (mode !== "read" && mode !== "readwrite")
    throw new Error(`invoke: grants.${what}.${name}: mode must be "read" or "readwrite", not ${JSON.stringify(mode)}`);
  return mode;
}

function sqlGrants(grants: HostOptions["grants"]): Record<string, SqlMode> {
  return namedModes("sql", grants?.sql ?? [], (mode, name) => modeOf("sql", name, mode));
}

function objectGrants(grants: HostOptions["grants"]): Record<string, ObjectGrant> {
  return namedModes("objects", grants?.objects ?? [], (g, name) => {
    const { access = "readwrite", prefix = "" } = (typeof g === "object" && g !== null ? g : { access: g }) as {
      access?: unknown;
      prefix?: unknown;
    };
    if (typeof prefix !== "string") throw new Error(`invoke: grants.objects.${name}: prefix must be a string`);
    return { access: modeOf("objects", name, access), prefix };
  });
}

/** The stores' objects before a run. */
export function initialObjects(seeds: Record<string, Record<string, ObjectSeed>>): ObjectsSnapshot {
  const encoder = new TextEncoder();
  const out: ObjectsSnapshot = {};
  for (const [store, objects] of Object.entries(seeds)) {
    if (!STORE_NAME.test(store)) throw new Error(`invoke: objects: bad store name ${JSON.stringify(store)} (want ${STORE_NAME})`);
    out[store] = {};
    for (const [key, seed] of Object.entries(objects)) {
      const s = typeof seed === "string" || seed instanceof Uint8Array ? { body: seed } : seed;
      const body = typeof s.body === "string" ? encoder.encode(s.body) : s.body;
      const type = s.contentType ?? (typeof s.body === "string" ? "text/plain; charset=utf-8" : "application/octet-stream");
      out[store][key] = storedObject(body, type, s.lastModified === undefined ? Date.now() : Number(s.lastModified));
    }
  }
  return out;
}

/**
 * The databases' file images before a run: a script is run on an empty
 * database (a failing one makes invoke throw, naming the database), a
 * sql.js Database exported. Loads sql.js only when there is a database.
 */
export async function databaseImages(
  databases: HostOptions["databases"],
  grants: HostOptions["grants"],
): Promise<{ images: Record<string, Uint8Array>; sqlJs?: SqlJsStatic }> {
  const seeds = Object.entries(databases ?? {});
  if (seeds.length === 0 && Object.keys(sqlGrants(grants)).length === 0) return { images: {} };
  const sqlJs = await loadSqlJs();
  const images: Record<string, Uint8Array> = {};
  for (const [name, seed] of seeds) {
    if (!STORE_NAME.test(name)) throw new Error(`invoke: databases: bad name ${JSON.stringify(name)} (want ${STORE_NAME})`);
    if (seed instanceof Uint8Array) {
      images[name] = seed;
    } else if (isSqlJsDatabase(seed)) {
      images[name] = seed.export();
    } else {
      const db = new sqlJs.Database();
      try {
        db.exec(seed);
        images[name] = db.export();
      } catch (err) {
        throw new Error(`invoke: databases.${name}: ${(err as Error).message}`);
      } finally {
        db.close();
      }
    }
  }
  return { images, sqlJs };
}

function queueGrants(grants: HostOptions["grants"]): string[] {
  const queues = grants?.enqueue ?? [];
  for (const name of queues) {
    if (!STORE_NAME.test(name)) throw new Error(`invoke: grants.enqueue: bad queue name ${JSON.stringify(name)} (want ${STORE_NAME})`);
  }
  return [...queues];
}

function kvGrants(grants: HostOptions["grants"]): Record<string, KvMode> {
  return namedModes("kv", grants?.kv ?? [], (mode, name) => modeOf("kv", name, mode));
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`invoke: ${name} must be a whole number > 0, not ${v}`);
  return v;
}

/**
 * The stores before a run: each store's keys loaded in their byte order,
 * one write each, so they have revisions 1, 2, 3... (contract/README.md).
 */
export function initialStores(kv: Record<string, Record<string, string | Uint8Array>>): KvSnapshot {
  const encoder = new TextEncoder();
  const stores: KvSnapshot = {};
  for (const [store, entries] of Object.entries(kv)) {
    if (!STORE_NAME.test(store)) throw new Error(`invoke: kv: bad store name ${JSON.stringify(store)} (want ${STORE_NAME})`);
    stores[store] = {};
    let revision = 0n;
    for (const key of Object.keys(entries).sort(compareKeys)) {
      const value = entries[key]!;
      stores[store][key] = { value: typeof value === "string" ? encoder.encode(value) : value, revision: ++revision, ttl: 0, expiresAt: 0 };
    }
  }
  return stores;
}

/** One run's host state on the caller's side. */
export class HostRun {
  /** What the worker gets (its port is transferred). */
  readonly config: HostConfig;
  /** The outbound calls, by index. */
  readonly fetches: FetchCall[] = [];
  /** The jobs the guest enqueued, in order. */
  readonly enqueued: EnqueuedJob[] = [];
  /** The guest's ai_chat calls, in order. */
  readonly chats: AiChat[] = [];
  private readonly stores: KvSnapshot = {};
  private readonly images: Record<string, Uint8Array>;
  private readonly objects: ObjectsSnapshot;
  private readonly port: MessagePort;
  private readonly workerPort: MessagePort;

  private readonly handler: FetchHandler | undefined;

  /** `images`: the databases' file images before the run (see databaseImages). */
  constructor(options: HostOptions, deadline: number, images: Record<string, Uint8Array> = {}) {
    this.handler = options.fetch;
    const grants = kvGrants(options.grants);
    const sql = sqlGrants(options.grants);
    const objects = objectGrants(options.grants);
    this.images = { ...images };
    this.objects = initialObjects(options.objects ?? {});
    for (const store of Object.keys(objects)) this.objects[store] ??= {};
    const fetchAllow = options.grants?.fetch ?? [];
    fetchAllow.forEach(parseFetchRule); // a bad entry fails here, as at config load
    Object.assign(this.stores, initialStores(options.kv ?? {}));
    for (const store of Object.keys(grants)) this.stores[store] ??= {};
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.workerPort = port2;
    this.config = {
      kv: structuredClone(this.stores),
      kvGrants: grants,
      fetchAllow,
      fetchTimeoutMs: positive("fetchTimeoutMs", options.fetchTimeoutMs, HOST_DEFAULTS.fetchTimeoutMs),
      fetchMaxBody: positive("fetchMaxBody", options.fetchMaxBody, HOST_DEFAULTS.fetchMaxBody),
      fetchMaxCalls: positive("fetchMaxCalls", options.fetchMaxCalls, HOST_DEFAULTS.fetchMaxCalls),
      kvMaxValue: positive("kvMaxValue", options.kvMaxValue, HOST_DEFAULTS.kvMaxValue),
      enqueueGrants: queueGrants(options.grants),
      fullQueues: [...(options.fullQueues ?? [])],
      maxJobSize: positive("maxJobSize", options.maxJobSize, HOST_DEFAULTS.maxJobSize),
      aiGranted: options.grants?.ai === true,
      aiAnswers: (options.aiAnswers ?? []).map((a) => (typeof a === "string" ? { text: a } : a)),
      sqlGrants: sql,
      databases: this.images,
      sqlMaxRows: positive("sqlMaxRows", options.sqlMaxRows, HOST_DEFAULTS.sqlMaxRows),
      sqlMaxResult: positive("sqlMaxResult", options.sqlMaxResult, HOST_DEFAULTS.sqlMaxResult),
      objectGrants: objects,
      objects: structuredClone(this.objects),
      maxObject: positive("maxObject", options.maxObject, HOST_DEFAULTS.maxObject),
      objectErrors: { ...options.objectErrors },
      deadline,
      bridge: { port: port2, signal: new SharedArrayBuffer(4) },
    };
  }

  /** The objects to transfer to the worker with the config. */
  get transferList(): MessagePort[] {
    return [this.workerPort];
  }

  /** Takes a message from the worker about the host functions. */
  handle(message: Exclude<WorkerMessage, { kind: "exit" }>): void {
    switch (message.kind) {
      case "kv": {
        const { store, key, entry } = message.write;
        const entries = (this.stores[store] ??= {});
        if (entry) entries[key] = entry;
        else delete entries[key];
        break;
      }
      case "fetch-call":
        this.fetches[message.index] = message.call;
        break;
      case "enqueue":
        this.enqueued.push(message.job);
        break;
      case "ai":
        this.chats.push(message.call);
        break;
      case "sql":
        this.images[message.db] = message.image;
        break;
      case "object": {
        const { store, key, object } = message.write;
        const objects = (this.objects[store] ??= {});
        if (object) objects[key] = object;
        else delete objects[key];
        break;
      }
      case "fetch":
        // Listed now: a call still waiting when the run is stopped stays a timeout.
        this.fetches[message.id] = { ...message.request, status: "timeout", reason: "the run was stopped during the call" };
        void answerThroughBridge({ port: this.port, signal: this.config.bridge.signal }, message, this.handler);
        break;
    }
  }

  /** The stores after the run, values as bytes (expired keys left out). */
  kvBytes(): Record<string, Record<string, Uint8Array>> {
    const now = Date.now();
    return Object.fromEntries(
      Object.entries(this.stores).map(([store, entries]) => [
        store,
        Object.fromEntries(
          Object.entries(entries)
            .filter(([, e]) => e.expiresAt === 0 || e.expiresAt > now)
            .map(([k, e]) => [k, e.value]),
        ),
      ]),
    );
  }

  /** The stores after the run, values as UTF-8 text. */
  kvText(): Record<string, Record<string, string>> {
    const decoder = new TextDecoder();
    return Object.fromEntries(
      Object.entries(this.kvBytes()).map(([store, entries]) => [
        store,
        Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, decoder.decode(v)])),
      ]),
    );
  }

  /** The databases after the run, each opened from its last image (a granted database never written is empty). */
  databases(sqlJs: SqlJsStatic | undefined): Record<string, SqlJsDatabase> {
    if (!sqlJs) return {};
    const names = new Set([...Object.keys(this.images), ...Object.keys(this.config.sqlGrants)]);
    return Object.fromEntries([...names].map((name) => [name, new sqlJs.Database(this.images[name])]));
  }

  /** The object stores after the run. */
  objectEntries(): Record<string, Record<string, ObjectEntry>> {
    const decoder = new TextDecoder();
    const entry = (o: StoredObject): ObjectEntry => ({
      body: o.body,
      text: decoder.decode(o.body),
      contentType: o.contentType,
      etag: o.etag,
      lastModified: timestamp(o.lastModified),
    });
    return Object.fromEntries(
      Object.entries(this.objects).map(([store, objects]) => [
        store,
        Object.fromEntries(Object.entries(objects).map(([k, o]) => [k, entry(o)])),
      ]),
    );
  }

  /** Frees the channel. */
  close(): void {
    this.port.close();
  }
}
