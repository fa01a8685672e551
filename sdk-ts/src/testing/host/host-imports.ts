// The `gojinn` import module for a guest run by the harness, with the Go
// host's semantics (docs/host-abi.md): bounds first (`invalid`, no effect),
// then the arguments, then the grants, then the call; variable-size results
// with the buffer_too_small protocol. No failure throws into the guest.
import { Status, type StatusName } from "../../contract/host-abi.js";
import { canonicalHeaderName } from "../../contract/headers.js";
import type { Headers } from "../../contract/types.js";
import { allowListAllows, parseFetchRule } from "./allow-list.js";
import type { BridgeChannel, BridgeReply, FetchRequest } from "./fetch-bridge.js";
import { GuestMemory, OutOfBounds, utf8OrNull } from "./guest-memory.js";
import { KvStores, type KvSnapshot, type KvWrite } from "./kv-stores.js";
import { DEFAULT_CONTENT_TYPE, DEFAULT_OBJECT_PAGE, decodeObjectRequest, objectCheck, type ObjectGrant } from "./objects-request.js";
import { encodeObjectHead, encodeObjectPage, ObjectStores, type ObjectsSnapshot, type ObjectWrite } from "./objects-stores.js";
import { SqlDatabases, type SqlMode, type SqlOutcome } from "./sql-databases.js";
import type { SqlJsStatic } from "./sql-js.js";
import { decodeSqlRequest } from "./sql-request.js";

/** A store's grant: read only, or read and write. */
export type KvMode = "read" | "readwrite";

/** What the worker needs to serve the host functions (cloned into it). */
export interface HostConfig {
  /** The stores' contents when the run starts. */
  kv: KvSnapshot;
  /** Granted store → mode. */
  kvGrants: Record<string, KvMode>;
  /** The fetch allow-list, as written. */
  fetchAllow: string[];
  fetchTimeoutMs: number;
  fetchMaxBody: number;
  fetchMaxCalls: number;
  kvMaxValue: number;
  /** The queues the handler may enqueue to. */
  enqueueGrants: string[];
  /** Queues that answer `unavailable`, as a full queue does. */
  fullQueues: string[];
  /** The largest job body, as a queue's `max_job_size`; larger is `too_large`. */
  maxJobSize: number;
  /** Whether the handler has the `ai` grant. */
  aiGranted: boolean;
  /** The canned answers of ai_chat, one per call in order; past them calls are `unavailable`. */
  aiAnswers: AiAnswer[];
  /** Granted database → mode. */
  sqlGrants: Record<string, SqlMode>;
  /** The databases' SQLite file images when the run starts (absent: empty). */
  databases: Record<string, Uint8Array>;
  /** A query's most rows and largest result, as a database's max_rows and max_result; more is `too_large`. */
  sqlMaxRows: number;
  sqlMaxResult: number;
  /** Granted object store → access and prefix. */
  objectGrants: Record<string, ObjectGrant>;
  /** The object stores' contents when the run starts. */
  objects: ObjectsSnapshot;
  /** The largest object, as a store's max_object; larger is `too_large`. */
  maxObject: number;
  /** Stores whose every call fails, after its checks, with this backend error (`unavailable`, `timeout`, `io_error`). */
  objectErrors: Record<string, StatusName>;
  /** The run's deadline (performance.timeOrigin + now, in ms since the epoch). */
  deadline: number;
  /** Where the worker sends outbound requests (see HostEvents.send). */
  bridge: BridgeChannel;
}

/** One outbound call the guest made, whatever became of it. */
export interface FetchCall {
  method: string;
  url: string;
  headers: Headers;
  body: Uint8Array;
  /** The host call's status: `ok`, `denied`, `limit`, `timeout`... */
  status: StatusName;
  /** Why it failed, in words, when it did. */
  reason?: string;
  /** The response the guest got, when status is `ok`. */
  response?: { status: number; headers: Headers; body: Uint8Array };
}

/** A job the guest enqueued. */
export interface EnqueuedJob {
  /** The queue's name. */
  queue: string;
  /** The id the guest got: `job-1`, `job-2`... in the run's order. */
  id: string;
  /** The job's body. */
  body: Uint8Array;
}

/**
 * A canned answer of ai_chat: its text and token counts, or a failure's
 * status (`unavailable` as for an endpoint's 5xx, `timeout`, `io_error`...).
 */
export type AiAnswer = { text: string; promptTokens?: number; completionTokens?: number } | { error: StatusName };

/** One ai_chat call the guest made. */
export interface AiChat {
  /** The model the guest named; "" for the `ai` block's default. */
  model: string;
  messages: Array<{ role: string; content: string }>;
  /** The host call's status: `ok`, `denied`, `unavailable`... */
  status: StatusName;
}

/** What the host functions report while the guest runs. */
export interface HostEvents {
  kvWrite(write: KvWrite): void;
  /** The `index`th fetch call, complete. */
  fetchCall(index: number, call: FetchCall): void;
  /** Sends the `index`th request and waits at most `timeoutMs` for its answer; null when none came. */
  send(index: number, request: FetchRequest, timeoutMs: number): BridgeReply | null;
  /** A host_log line, with the level as the guest gave it (3: error, else info). */
  log(level: number, msg: string): void;
  /** A job the guest enqueued. */
  enqueue(job: EnqueuedJob): void;
  /** An ai_chat call with a valid request, whatever became of it. */
  aiChat(call: AiChat): void;
  /** A database's file image after a call that changed it. */
  sqlChange(db: string, image: Uint8Array): void;
  /** An object written or deleted. */
  objectWrite(write: ObjectWrite): void;
  /** A call refused for a grant or the allow-list: the host logs one line for each. */
  denied(fn: string, reason: string): void;
}

/** Store names (docs/host-abi.md). */
export const STORE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** The longest store name, in bytes. */
export const MAX_STORE_NAME = 64;
/** The longest job id, in bytes: enqueue needs an id buffer this large. */
export const MAX_JOB_ID = 64;
/** The longest key, in bytes. */
export const MAX_KEY_BYTES = 1024;
/** The largest sql_query or sql_exec request, in bytes: larger is `too_large` before it is read. */
export const MAX_SQL_REQUEST = 1 << 20;

const HOP_BY_HOP = [
  "Connection",
  "Proxy-Connection",
  "Keep-Alive",
  "Proxy-Authenticate",
  "Proxy-Authorization",
  "Te",
  "Trailer",
  "Transfer-Encoding",
  "Upgrade",
];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[^\0\r\n]*$/;

/**
 * Thrown out of a host function when the run's deadline passed during the
 * call: as on the host, the run then ends with the stop's outcome
 * (timeout), whatever the guest would have done with the call's status.
 */
export class RunDeadline extends Error {}

/** A failed check: the call returns this status. */
class Refused extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

const encoder = new TextEncoder();

/**
 * Builds the `gojinn` import object over the guest's memory. `sqlJs` is
 * sql.js, loaded (asynchronously) before the run when a database is granted.
 */
export function hostImports(
  memory: () => WebAssembly.Memory,
  config: HostConfig,
  events: HostEvents,
  sqlJs?: SqlJsStatic,
): Record<string, (...args: never[]) => unknown> {
  const mem = new GuestMemory(memory);
  const stores = new KvStores(config.kv, (w) => events.kvWrite(w));
  const databases = sqlJs
    ? new SqlDatabases(
        sqlJs,
        config.databases,
        config.sqlGrants,
        { maxRows: config.sqlMaxRows, maxResult: config.sqlMaxResult },
        (db, image) => events.sqlChange(db, image),
      )
    : null;
  const objectStores = new ObjectStores(config.objects, config.maxObject, (w) => events.objectWrite(w));
  const rules = config.fetchAllow.map(parseFetchRule);
  const responses = new Map<number, { head: Uint8Array; body: Uint8Array }>();
  let nextHandle = 1;
  let calls = 0;
  let jobs = 0;
  let chats = 0;

  // Runs a host function: any check that fails is its status; nothing throws into the guest.
  const guarded =
    <A extends unknown[]>(fn: (...args: A) => number) =>
    (...args: A): number => {
      try {
        return fn(...args);
      } catch (err) {
        if (err instanceof OutOfBounds) return Status.invalid;
        if (err instanceof Refused) return err.status;
        if (err instanceof RunDeadline) throw err;
        return Status.io_error;
      }
    };

  const text = (ptr: number, len: number): string => {
    const s = utf8OrNull(mem.read(ptr, len));
    if (s === null) throw new Refused(Status.invalid, "invalid UTF-8");
    return s;
  };
  const storeName = (ptr: number, len: number): string => {
    const name = text(ptr, len);
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Refused(Status.invalid, `bad store name ${JSON.stringify(name)}`);
    if (name.length > MAX_STORE_NAME) throw new Refused(Status.too_large, "store name over 64 bytes");
    return name;
  };
  // A kv call's store, checked and granted (`write`: read-write needed), as the host checks them.
  const grantedStore = (ptr: number, len: number, write: boolean): string => {
    const store = storeName(ptr, len);
    const mode = config.kvGrants[store];
    if (mode === undefined || (write && mode !== "readwrite")) {
      const reason = mode === undefined ? `store ${store} is not granted` : `store ${store} is granted read-only`;
      events.denied("kv", reason);
      throw new Refused(Status.denied, reason);
    }
    return store;
  };
  const keyText = (ptr: number, len: number, mayBeEmpty: boolean): string => {
    if (len >>> 0 > MAX_KEY_BYTES) throw new Refused(Status.too_large, "key over 1,024 bytes");
    const key = text(ptr, len);
    if (key === "" && !mayBeEmpty) throw new Refused(Status.invalid, "empty key");
    return key;
  };
  // Writes a variable-size result with the buffer_too_small protocol.
  const result = (bytes: Uint8Array, buf: number, cap: number, lenOut: number): number => {
    mem.writeU32(lenOut, bytes.length);
    if (bytes.length > cap >>> 0) return Status.buffer_too_small;
    mem.write(buf, bytes);
    return Status.ok;
  };
  // Holds a head and a body under a new handle (fetch_head, fetch_body).
  const keep = (head: Uint8Array, body: Uint8Array): number => {
    const handle = nextHandle++;
    responses.set(handle, { head, body });
    return handle;
  };

  // The common part of kv_set, kv_create, kv_update: checked store, key, value.
  const writeArgs = (sp: number, sl: number, kp: number, kl: number, vp: number, vl: number, revOut: number) => {
    mem.check(sp, sl);
    mem.check(kp, kl);
    mem.check(vp, vl);
    mem.check(revOut, 8);
    const store = grantedStore(sp, sl, true);
    const key = keyText(kp, kl, false);
    if (vl >>> 0 > config.kvMaxValue) throw new Refused(Status.too_large, "value over kv_max_value");
    return { store, key, value: mem.read(vp, vl) };
  };

  const fetchSend = (reqPtr: number, reqLen: number, bodyPtr: number, bodyLen: number, outPtr: number): number => {
    mem.check(reqPtr, reqLen);
    mem.check(bodyPtr, bodyLen);
    mem.check(outPtr, 12);
    // As the host: no allow-list at all is denied before the request is read.
    if (rules.length === 0) {
      const request = parseOrNull(mem.read(reqPtr, reqLen), mem.read(bodyPtr, bodyLen));
      if (request) events.fetchCall(calls++, { ...request, status: "denied", reason: "no fetch allow-list is granted" });
      events.denied("fetch", "no fetch allow-list is granted");
      return Status.denied;
    }
    const request = parseFetchRequest(text(reqPtr, reqLen), mem.read(bodyPtr, bodyLen));
    const index = calls++;
    const fail = (status: StatusName, reason: string): number => {
      events.fetchCall(index, { ...request, status, reason });
      if (status === "denied") events.denied("fetch", reason);
      return Status[status];
    };
    if (index >= config.fetchMaxCalls) return fail("limit", `more than fetch_max_calls (${config.fetchMaxCalls}) calls in this run`);
    if (!allowListAllows(rules, new URL(request.url))) return fail("denied", `${request.url} is not in the fetch allow-list`);
    const untilDeadline = config.deadline - (performance.timeOrigin + performance.now());
    const timeout = Math.min(config.fetchTimeoutMs, untilDeadline);
    const reply = timeout > 0 ? events.send(index, request, timeout) : null;
    if (reply === null && timeout === untilDeadline) {
      fail("timeout", "the run was stopped during the call");
      throw new RunDeadline("the run's deadline passed during a fetch call");
    }
    if (reply === null) return fail("timeout", `no answer within fetch_timeout (${config.fetchTimeoutMs} ms)`);
    if ("error" in reply) return fail(reply.error, reply.reason);
    if (reply.body.length > config.fetchMaxBody)
      return fail("too_large", `response body over fetch_max_body (${config.fetchMaxBody} bytes)`);
    const head = encodeFetchHead(reply.status, reply.headers);
    const handle = keep(head, reply.body);
    events.fetchCall(index, { ...request, status: "ok", response: reply });
    mem.writeU32(outPtr, handle);
    mem.writeU32(outPtr + 4, head.length);
    mem.writeU32(outPtr + 8, reply.body.length);
    return Status.ok;
  };

  // enqueue checks as the host does: bounds, the queue's name, its grant,
  // the body, the id buffer (before anything is enqueued), then the queue.
  const enqueue = (qp: number, ql: number, bp: number, bl: number, buf: number, cap: number, lenOut: number): number => {
    mem.check(qp, ql);
    mem.check(bp, bl);
    mem.check(buf, cap);
    mem.check(lenOut, 4);
    const queue = storeName(qp, ql);
    if (!config.enqueueGrants.includes(queue)) {
      const reason = `queue ${JSON.stringify(queue)} is not granted`;
      events.denied("enqueue", reason);
      return Status.denied;
    }
    if (bl >>> 0 > config.maxJobSize) return Status.too_large;
    if (cap >>> 0 < MAX_JOB_ID) {
      mem.writeU32(lenOut, MAX_JOB_ID);
      return Status.buffer_too_small;
    }
    if (config.fullQueues.includes(queue)) return Status.unavailable;
    const id = `job-${++jobs}`;
    events.enqueue({ queue, id, body: mem.read(bp, bl) });
    return result(encoder.encode(id), buf, cap, lenOut);
  };

  // ai_chat checks as the host does: bounds, the grant, the request; then
  // answers with the next canned answer, held like a fetch response.
  const aiChat = (reqPtr: number, reqLen: number, outPtr: number): number => {
    mem.check(reqPtr, reqLen);
    mem.check(outPtr, 16);
    if (!config.aiGranted) {
      events.denied("ai_chat", "the ai grant is not given");
      return Status.denied;
    }
    const request = parseChatRequest(text(reqPtr, reqLen));
    const answer = config.aiAnswers[chats++] ?? { error: "unavailable" as StatusName };
    if ("error" in answer) {
      events.aiChat({ ...request, status: answer.error });
      return Status[answer.error];
    }
    const body = encoder.encode(answer.text);
    const handle = keep(new Uint8Array(0), body);
    events.aiChat({ ...request, status: "ok" });
    mem.writeU32(outPtr, handle);
    mem.writeU32(outPtr + 4, body.length);
    mem.writeU32(outPtr + 8, answer.promptTokens ?? 0);
    mem.writeU32(outPtr + 12, answer.completionTokens ?? 0);
    return Status.ok;
  };

  // sql_query and sql_exec check as the host does: bounds, the request
  // (too_large, invalid), the database's grant (denied); then the statement.
  // Two u32 at out_ptr whatever the status: the handle of the result or the
  // database's message, and its size (0, 0 when there is none).
  const sqlCall = (fn: "sql_query" | "sql_exec") => (reqPtr: number, reqLen: number, outPtr: number) => {
    mem.check(reqPtr, reqLen);
    mem.check(outPtr, 8);
    const { status, held } = sqlOutcome(fn, reqPtr, reqLen);
    mem.writeU32(outPtr, held ? keep(new Uint8Array(0), held) : 0);
    mem.writeU32(outPtr + 4, held?.length ?? 0);
    return Status[status];
  };
  const sqlOutcome = (fn: "sql_query" | "sql_exec", reqPtr: number, reqLen: number): SqlOutcome => {
    if (reqLen >>> 0 > MAX_SQL_REQUEST) return { status: "too_large" };
    const json = utf8OrNull(mem.read(reqPtr, reqLen));
    const req = json === null ? null : decodeSqlRequest(json);
    if (req === null) return { status: "invalid" };
    if (config.sqlGrants[req.db] === undefined || databases === null) {
      events.denied(fn, `database ${JSON.stringify(req.db)} is not granted`);
      return { status: "denied" };
    }
    const outcome = databases.run(req.db, req.sql, req.params, fn === "sql_query");
    if (outcome.status === "denied") events.denied(fn, `database ${JSON.stringify(req.db)}: ${new TextDecoder().decode(outcome.held)}`);
    return outcome;
  };

  // The checks of an object_* call after its bounds (objects-request.ts); a
  // failed one is the call's status.
  const objectRequest = (fn: string, reqPtr: number, reqLen: number, op: { key: boolean; write: boolean }) => {
    const req = decodeObjectRequest(text(reqPtr, reqLen));
    if (req === null) throw new Refused(Status.invalid, "malformed request");
    const check = objectCheck(req, config.objectGrants[req.store], op);
    if (check.status === "denied") events.denied(fn, check.reason!);
    if (check.status !== "ok") throw new Refused(Status[check.status], check.reason ?? "bad key");
    const failing = config.objectErrors[req.store];
    if (failing !== undefined) throw new Refused(Status[failing], `object store "${req.store}" fails with ${failing}`);
    return req;
  };
  const objectRead = (fn: "object_get" | "object_head") => (reqPtr: number, reqLen: number, outPtr: number) => {
    mem.check(reqPtr, reqLen);
    mem.check(outPtr, 12);
    const req = objectRequest(fn, reqPtr, reqLen, { key: true, write: false });
    const { status, object } = fn === "object_get" ? objectStores.get(req.store, req.key) : objectStores.head(req.store, req.key);
    if (!object) return Status[status];
    const head = encodeObjectHead(object);
    const body = fn === "object_get" ? object.body : new Uint8Array(0);
    mem.writeU32(outPtr, keep(head, body));
    mem.writeU32(outPtr + 4, head.length);
    mem.writeU32(outPtr + 8, body.length);
    return Status.ok;
  };

  const fetchPart = (part: "head" | "body") => (handle: number, buf: number, cap: number, lenOut: number) => {
    mem.check(buf, cap);
    mem.check(lenOut, 4);
    const response = responses.get(handle >>> 0);
    if (!response) return Status.invalid;
    return result(response[part], buf, cap, lenOut);
  };

  return {
    host_log: (level: number, ptr: number, len: number): void => {
      try {
        events.log(level, new TextDecoder().decode(mem.read(ptr, len)));
      } catch {
        // a bad pointer writes nothing
      }
    },
    kv_get: guarded((sp: number, sl: number, kp: number, kl: number, buf: number, cap: number, lenOut: number, revOut: number) => {
      mem.check(sp, sl);
      mem.check(kp, kl);
      mem.check(buf, cap);
      mem.check(lenOut, 4);
      mem.check(revOut, 8);
      const store = grantedStore(sp, sl, false);
      const key = keyText(kp, kl, false);
      const { status, entry } = stores.get(store, key);
      if (!entry) return status;
      const s = result(entry.value, buf, cap, lenOut);
      if (s === Status.ok) mem.writeI64(revOut, entry.revision);
      return s;
    }),
    kv_set: guarded((sp: number, sl: number, kp: number, kl: number, vp: number, vl: number, ttl: number, revOut: number) => {
      const a = writeArgs(sp, sl, kp, kl, vp, vl, revOut);
      if (ttl < 0) return Status.invalid;
      const { status, revision } = stores.set(a.store, a.key, a.value, ttl);
      mem.writeI64(revOut, revision);
      return status;
    }),
    kv_create: guarded((sp: number, sl: number, kp: number, kl: number, vp: number, vl: number, ttl: number, revOut: number) => {
      const a = writeArgs(sp, sl, kp, kl, vp, vl, revOut);
      if (ttl < 0) return Status.invalid;
      const { status, revision } = stores.create(a.store, a.key, a.value, ttl);
      if (status === Status.ok) mem.writeI64(revOut, revision);
      return status;
    }),
    kv_update: guarded((sp: number, sl: number, kp: number, kl: number, vp: number, vl: number, expected: bigint, revOut: number) => {
      const a = writeArgs(sp, sl, kp, kl, vp, vl, revOut);
      const { status, revision } = stores.update(a.store, a.key, a.value, BigInt.asUintN(64, expected));
      if (status === Status.ok) mem.writeI64(revOut, revision);
      return status;
    }),
    kv_delete: guarded((sp: number, sl: number, kp: number, kl: number) => {
      mem.check(sp, sl);
      mem.check(kp, kl);
      const store = grantedStore(sp, sl, true);
      const key = keyText(kp, kl, false);
      return stores.delete(store, key);
    }),
    kv_increment: guarded((sp: number, sl: number, kp: number, kl: number, by: bigint, valueOut: number) => {
      mem.check(sp, sl);
      mem.check(kp, kl);
      mem.check(valueOut, 8);
      const store = grantedStore(sp, sl, true);
      const key = keyText(kp, kl, false);
      const { status, value } = stores.increment(store, key, by);
      if (status === Status.ok) mem.writeI64(valueOut, value);
      return status;
    }),
    kv_keys: guarded((sp: number, sl: number, pp: number, pl: number, ap: number, al: number, buf: number, cap: number, lenOut: number) => {
      mem.check(sp, sl);
      mem.check(pp, pl);
      mem.check(ap, al);
      mem.check(buf, cap);
      mem.check(lenOut, 4);
      const store = grantedStore(sp, sl, false);
      const prefix = keyText(pp, pl, true);
      const after = keyText(ap, al, true);
      const page = stores.keys(store, prefix, after);
      return result(encodePage(page.keys, page.more), buf, cap, lenOut);
    }),
    fetch: guarded(fetchSend),
    fetch_head: guarded(fetchPart("head")),
    fetch_body: guarded(fetchPart("body")),
    fetch_close: guarded((handle: number) => (responses.delete(handle >>> 0) ? Status.ok : Status.invalid)),
    enqueue: guarded(enqueue),
    ai_chat: guarded(aiChat),
    sql_query: guarded(sqlCall("sql_query")),
    sql_exec: guarded(sqlCall("sql_exec")),
    object_get: guarded(objectRead("object_get")),
    object_head: guarded(objectRead("object_head")),
    object_put: guarded((reqPtr: number, reqLen: number, bodyPtr: number, bodyLen: number) => {
      mem.check(reqPtr, reqLen);
      mem.check(bodyPtr, bodyLen);
      const req = objectRequest("object_put", reqPtr, reqLen, { key: true, write: true });
      return Status[objectStores.put(req.store, req.key, mem.read(bodyPtr, bodyLen), req.contentType || DEFAULT_CONTENT_TYPE)];
    }),
    object_delete: guarded((reqPtr: number, reqLen: number) => {
      mem.check(reqPtr, reqLen);
      const req = objectRequest("object_delete", reqPtr, reqLen, { key: true, write: true });
      return Status[objectStores.delete(req.store, req.key)];
    }),
    object_list: guarded((reqPtr: number, reqLen: number, outPtr: number) => {
      mem.check(reqPtr, reqLen);
      mem.check(outPtr, 12);
      const req = objectRequest("object_list", reqPtr, reqLen, { key: false, write: false });
      const body = encodeObjectPage(objectStores.list(req.store, req.prefix, req.after, req.limit ?? DEFAULT_OBJECT_PAGE));
      mem.writeU32(outPtr, keep(new Uint8Array(0), body));
      mem.writeU32(outPtr + 4, 0);
      mem.writeU32(outPtr + 8, body.length);
      return Status.ok;
    }),
  };
}

/** A request's JSON object (fetch, ai_chat); `invalid` when it is not one. */
function requestObject(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Refused(Status.invalid, "the request is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Refused(Status.invalid, "the request is not a JSON object");
  return value as Record<string, unknown>;
}

/** Decodes the request JSON of `ai_chat` (docs/host-abi.md); `invalid` when it is malformed. */
export function parseChatRequest(json: string): Omit<AiChat, "status"> {
  const bad = (why: string): Refused => new Refused(Status.invalid, why);
  const fields = requestObject(json);
  const model = fields["model"] ?? "";
  const messages = fields["messages"];
  if (typeof model !== "string") throw bad("model is not a string");
  if (!Array.isArray(messages) || messages.length === 0) throw bad("no messages");
  // As Go's encoding/json: null (a message, a member) is the zero value.
  const out = messages.map((m: unknown) => {
    const fields = (typeof m === "object" && m !== null ? m : {}) as Record<string, unknown>;
    const role = fields["role"] ?? "";
    const content = fields["content"] ?? "";
    if (typeof role !== "string" || role === "" || typeof content !== "string") throw bad("a message without a role or with a bad content");
    return { role, content };
  });
  return { model, messages: out };
}

/** A page of keys: u32 count, per key a u32 length and its bytes, a u32 "more" flag. */
export function encodePage(keys: string[], more: boolean): Uint8Array {
  const encoded = keys.map((k) => encoder.encode(k));
  const out = new Uint8Array(8 + encoded.reduce((n, k) => n + 4 + k.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, keys.length, true);
  let at = 4;
  for (const k of encoded) {
    view.setUint32(at, k.length, true);
    out.set(k, at + 4);
    at += 4 + k.length;
  }
  view.setUint32(at, more ? 1 : 0, true);
  return out;
}

/** The head object as the host encodes it (contract/README.md): compact, header names sorted. */
export function encodeFetchHead(status: number, headers: Headers): Uint8Array {
  const sorted = Object.fromEntries(
    Object.keys(headers)
      .sort()
      .map((name) => [name, headers[name]]),
  );
  return encoder.encode(JSON.stringify({ status, headers: sorted }));
}

function parseOrNull(json: Uint8Array, body: Uint8Array): FetchRequest | null {
  const text = utf8OrNull(json);
  try {
    return text === null ? null : parseFetchRequest(text, body);
  } catch {
    return null;
  }
}

/** Decodes the request JSON of `fetch` (docs/host-abi.md); `invalid` when it is malformed. */
export function parseFetchRequest(json: string, body: Uint8Array): FetchRequest {
  const bad = (why: string): Refused => new Refused(Status.invalid, why);
  // As Go's encoding/json decodes into strings and a map: null is the zero value.
  const fields = requestObject(json);
  const method = fields["method"] ?? "";
  const url = fields["url"] ?? "";
  const headers = fields["headers"] ?? {};
  if (typeof method !== "string" || (method !== "" && !TOKEN.test(method))) throw bad("bad method");
  if (typeof url !== "string") throw bad("the url is not a string");
  // An absolute http(s) URL with a host: WHATWG's parser alone would take
  // "https:///path" as https://path/, where Go's url.Parse sees no host.
  if (!/^https?:\/\/[^/?#]/i.test(url)) throw bad(`not an absolute http(s) URL with a host: ${JSON.stringify(url)}`);
  try {
    new URL(url);
  } catch {
    throw bad(`bad url ${JSON.stringify(url)}`);
  }
  if (typeof headers !== "object" || Array.isArray(headers)) throw bad("headers is not an object");
  const out: Headers = {};
  for (const [name, values] of Object.entries(headers as Record<string, unknown>)) {
    if (!TOKEN.test(name)) throw bad(`bad header name ${JSON.stringify(name)}`);
    if (!Array.isArray(values) || !values.every((v) => typeof v === "string" && FIELD_VALUE.test(v)))
      throw bad(`bad values of header ${name}`);
    (out[canonicalHeaderName(name)] ??= []).push(...(values as string[]));
  }
  // As the host: Host comes from the URL, hop-by-hop headers are dropped.
  const connection = (out["Connection"] ?? []).flatMap((v) => v.split(",")).map((v) => canonicalHeaderName(v.trim()));
  for (const name of ["Host", ...HOP_BY_HOP, ...connection]) delete out[name];
  return { method: method || "GET", url, headers: out, body };
}
