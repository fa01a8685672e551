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
}

/** The host's defaults for outbound calls and values (docs/host-abi.md, docs/caddyfile.md). */
export const HOST_DEFAULTS = {
  fetchTimeoutMs: 10_000,
  fetchMaxBody: 10_000_000,
  fetchMaxCalls: 50,
  kvMaxValue: 1 << 20,
  maxJobSize: 1 << 20,
} as const;

function queueGrants(grants: HostOptions["grants"]): string[] {
  const queues = grants?.enqueue ?? [];
  for (const name of queues) {
    if (!STORE_NAME.test(name)) throw new Error(`invoke: grants.enqueue: bad queue name ${JSON.stringify(name)} (want ${STORE_NAME})`);
  }
  return [...queues];
}

function kvGrants(grants: HostOptions["grants"]): Record<string, KvMode> {
  const list = grants?.kv ?? [];
  const out: Record<string, KvMode> = Array.isArray(list)
    ? Object.fromEntries(list.map((name) => [name, "readwrite" as KvMode]))
    : { ...list };
  for (const [name, mode] of Object.entries(out)) {
    if (!STORE_NAME.test(name)) throw new Error(`invoke: grants.kv: bad store name ${JSON.stringify(name)} (want ${STORE_NAME})`);
    if (mode !== "read" && mode !== "readwrite")
      throw new Error(`invoke: grants.kv.${name}: mode must be "read" or "readwrite", not ${JSON.stringify(mode)}`);
  }
  return out;
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
  private readonly port: MessagePort;
  private readonly workerPort: MessagePort;

  private readonly handler: FetchHandler | undefined;

  constructor(options: HostOptions, deadline: number) {
    this.handler = options.fetch;
    const grants = kvGrants(options.grants);
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

  /** Frees the channel. */
  close(): void {
    this.port.close();
  }
}
