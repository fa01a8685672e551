import { stat } from "node:fs/promises";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { fromBase64 } from "../contract/base64.js";
import { decodeResponse } from "../contract/response.js";
import { DROPPED_RESPONSE_HEADERS, failureStatus, type Headers, type Outcome } from "../contract/types.js";
import { compileWasm, readWasmFile } from "../wasm/inspect.js";
import { parseLogs, type LogEntry } from "./logs.js";
import { instrument } from "./meter.js";
import { buildRequest, type InvokeRequest } from "./request.js";
import type { GuestExit, GuestJob, WorkerMessage } from "./worker-protocol.js";
import { refusedHostImports } from "../contract/host-imports-check.js";
import { functionImports, type FunctionImport } from "../wasm/import-types.js";
import type { AiChat, EnqueuedJob, FetchCall } from "./host/host-imports.js";
import { databaseImages, HostRun, type HostOptions, type ObjectEntry } from "./host/host-run.js";
import type { SqlJsDatabase, SqlJsStatic } from "./host/sql-js.js";

/** Defaults of InvokeOptions: the Go host's defaults (sandbox/options.go). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default cap on the guest's stdout, as the host's max_output_size: 5 MB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 5_000_000;
/** How to run the guest. */
export interface InvokeOptions extends HostOptions {
  /** Environment variables the guest sees (none by default). */
  env?: Record<string, string>;
  /** Arguments after argv[0] (which is the module's file name). */
  args?: string[];
  /** Stop the guest after this long: a 504 with outcome "timeout". Default 60 s. */
  timeoutMs?: number;
  /** Stop the guest once its stdout exceeds this: outcome "output_limit". Default 5 MB. */
  maxOutputBytes?: number;
  /**
   * The run's total fuel, as the host's `fuel_limit`: a run that uses more
   * is stopped, a 502 with outcome "fuel_exhausted". Default 0: no limit.
   * Needs the module's path or bytes (a compiled module cannot be metered).
   */
  fuelLimit?: number;
}

/** What the client would get, plus what only a test can see. */
export interface InvokeResult {
  /** The HTTP status: the guest's, or 502/504 when the run failed. */
  status: number;
  /** Response headers, less the ones the host drops (hop-by-hop, Content-Length). */
  headers: Headers;
  /** The body as text (UTF-8; binary bodies decoded lossily: see bodyBytes). */
  body: string;
  /** The body as bytes. Empty for HEAD, 204 and 304, as the host sends it. */
  bodyBytes: Uint8Array;
  /** Everything the guest wrote to stderr. */
  stderr: string;
  /** The stderr lines that are structured log entries (JSON with level and msg). */
  logs: LogEntry[];
  /** The guest's exit code; null when it trapped, timed out or was stopped. */
  exitCode: number | null;
  /** Wall time of the run, worker start-up included. */
  durationMs: number;
  /** How the run ended (docs/contract.md, Outcomes). */
  outcome: Outcome;
  /** Why the run failed, in plain words; absent when outcome is "ok". */
  reason?: string;
  /** The guest's raw stdout. */
  stdout: Uint8Array;
  /** The guest's linear memory when it stopped, in bytes (the host caps it with memory_limit). */
  memoryBytes: number;
  /**
   * Fuel the run used, in the host's units (docs/architecture.md, Metering):
   * the same module and request use the same fuel here and in Caddy. Null
   * when `invoke` was given a compiled `WebAssembly.Module` (its bytes are
   * needed to meter it) or the run was stopped by the timeout.
   */
  fuel: number | null;
  /** Every store's contents after the run (values as UTF-8 text), written or not: `kv.sessions.k`. */
  kv: Record<string, Record<string, string>>;
  /** The same, values as bytes. */
  kvBytes: Record<string, Record<string, Uint8Array>>;
  /** Every outbound call the guest made, in order, with its status and the response it got. */
  fetches: FetchCall[];
  /** Every job the guest enqueued (`queue.enqueue`), in order, with the id it got. */
  enqueued: EnqueuedJob[];
  /** Every ai_chat call (`ai.chat`), in order: the messages and the status it got. */
  chats: AiChat[];
  /** Every database given or granted, after the run, as a sql.js Database of its own: `res.databases.main.exec("SELECT ...")`. */
  databases: Record<string, SqlJsDatabase>;
  /** Every object store after the run: store → key → `{body, text, contentType, etag, lastModified}`. */
  objects: Record<string, Record<string, ObjectEntry>>;
}

const STATUS_TEXT: Record<number, string> = { 502: "Bad Gateway", 504: "Gateway Timeout" };

/** A module ready to run, and the signatures of its function imports (null: not known). */
interface Loaded {
  module: WebAssembly.Module;
  name: string;
  imports: FunctionImport[] | null;
}

const moduleCache = new Map<string, { mtimeMs: number; size: number; loaded: Loaded }>();

async function loadModule(wasm: string | Uint8Array | WebAssembly.Module): Promise<Loaded> {
  if (wasm instanceof WebAssembly.Module) return { module: wasm, name: "handler.wasm", imports: null };
  if (typeof wasm !== "string")
    return { module: await compileMetered(wasm, "handler.wasm"), name: "handler.wasm", imports: functionImports(wasm) };
  const file = path.resolve(wasm);
  const s = await stat(file).catch(() => null);
  const cached = moduleCache.get(file);
  if (s && cached && cached.mtimeMs === s.mtimeMs && cached.size === s.size) return cached.loaded;
  const bytes = await readWasmFile(wasm);
  const loaded = { module: await compileMetered(bytes, wasm), name: path.basename(file), imports: functionImports(bytes) };
  if (s) moduleCache.set(file, { mtimeMs: s.mtimeMs, size: s.size, loaded });
  return loaded;
}

/**
 * Meters and compiles the module at `file` ahead of its first `invoke`, which
 * then starts at once (gojinn dev does it after each rebuild). Later changes
 * to the file are seen as usual.
 */
export async function preload(file: string): Promise<void> {
  checkHostImports(await loadModule(file));
}

/** Meters and compiles a module; an invalid one fails as compileWasm says. */
async function compileMetered(bytes: Uint8Array, name: string): Promise<WebAssembly.Module> {
  let metered: Uint8Array;
  try {
    metered = await instrument(bytes, name);
  } catch (err) {
    await compileWasm(bytes, name); // throws the usual error for invalid wasm
    throw err;
  }
  return compileWasm(metered, name);
}

function runInWorker(job: GuestJob, host: HostRun, timeoutMs: number): Promise<GuestExit | "timeout"> {
  return new Promise((resolve, reject) => {
    // node:wasi warns that it is experimental on every use: not news to a user.
    const worker = new Worker(new URL("./worker.js", import.meta.url), {
      workerData: job,
      transferList: host.transferList,
      execArgv: ["--no-warnings"],
    });
    let settled = false;
    const finish = (value: GuestExit | "timeout" | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      host.close();
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    worker.on("message", (message: WorkerMessage) => {
      if (message.kind === "exit") finish(message.exit);
      else if (!settled) host.handle(message);
    });
    worker.once("error", (err) => finish(err));
    worker.once("exit", (code) => finish(new Error(`the guest's worker stopped unexpectedly (code ${code})`)));
  });
}

/** Refuses a module whose `gojinn` imports the host would refuse at load (a missing function, another signature). */
function checkHostImports({ module, name, imports }: Loaded): void {
  const refused = refusedHostImports(WebAssembly.Module.imports(module), imports);
  if (refused.length > 0) throw new Error(`invoke: ${name}: the host would refuse this module: ${refused.join("; ")}`);
}

function failed(
  outcome: Exclude<Outcome, "ok">,
  reason: string,
  exit: Partial<GuestExit>,
  durationMs: number,
  run: RunContext,
): InvokeResult {
  const status = failureStatus(outcome);
  const body = STATUS_TEXT[status] ?? "";
  const stderr = new TextDecoder().decode(exit.stderr ?? new Uint8Array());
  return {
    ...hostResult(run),
    status,
    headers: {},
    body,
    bodyBytes: new TextEncoder().encode(body),
    stderr,
    logs: logsOf(stderr, exit, run.traceId),
    exitCode: exit.exitCode ?? null,
    durationMs,
    outcome,
    reason,
    stdout: exit.stdout ?? new Uint8Array(),
    memoryBytes: exit.memoryBytes ?? 0,
    fuel: exit.fuel ?? null,
  };
}

/** What failed() needs of the run besides its exit. */
interface RunContext {
  host: HostRun;
  traceId: string;
  /** sql.js, loaded when the run has a database. */
  sqlJs: SqlJsStatic | undefined;
}

function hostResult({
  host,
  sqlJs,
}: RunContext): Pick<InvokeResult, "kv" | "kvBytes" | "fetches" | "enqueued" | "chats" | "databases" | "objects"> {
  return {
    kv: host.kvText(),
    kvBytes: host.kvBytes(),
    fetches: [...host.fetches],
    enqueued: [...host.enqueued],
    chats: [...host.chats],
    databases: host.databases(sqlJs),
    objects: host.objectEntries(),
  };
}

// The structured lines of stderr, then the host_log lines (as the host
// logs them: tagged with the trace id).
function logsOf(stderr: string, exit: Partial<GuestExit>, traceId: string): LogEntry[] {
  const hostLines = (exit.hostLogs ?? []).map((l) => ({ ...l, trace_id: traceId }));
  return [...parseLogs(stderr), ...hostLines];
}

/**
 * Runs a handler once, as the Gojinn host would: a fresh instance, the
 * request as JSON on stdin, one JSON response read from stdout, and the
 * host's failure rules (a non-zero exit, a trap, invalid output or a run
 * over `fuelLimit` is a 502 with `outcome` and `reason`; a run past
 * `timeoutMs` is stopped and is a 504). `wasm` is a path, the module's bytes or a compiled module.
 *
 * ```ts
 * const res = await invoke("build/handler.wasm", { method: "POST", body: "{}" });
 * expect(res.status).toBe(201);
 * ```
 */
export async function invoke(
  wasm: string | Uint8Array | WebAssembly.Module,
  request: InvokeRequest = {},
  options: InvokeOptions = {},
): Promise<InvokeResult> {
  const fuelLimit = options.fuelLimit ?? 0;
  if (!Number.isSafeInteger(fuelLimit) || fuelLimit < 0)
    throw new Error(`invoke: fuelLimit must be a whole number of units >= 0, not ${fuelLimit}`);
  if (fuelLimit > 0 && wasm instanceof WebAssembly.Module) {
    throw new Error("invoke: fuelLimit needs the module's path or bytes: a compiled WebAssembly.Module cannot be metered");
  }
  const loaded = await loadModule(wasm);
  checkHostImports(loaded);
  const { module, name } = loaded;
  const wire = buildRequest(request);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { images, sqlJs } = await databaseImages(options.databases, options.grants);
  const host = new HostRun(options, performance.timeOrigin + performance.now() + timeoutMs, images);
  const run: RunContext = { host, traceId: wire.trace_id, sqlJs };
  const job: GuestJob = {
    module,
    stdin: new TextEncoder().encode(JSON.stringify(wire)),
    env: options.env ?? {},
    args: [name, ...(options.args ?? [])],
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    fuelLimit,
    host: host.config,
  };
  const started = performance.now();
  const exit = await runInWorker(job, host, timeoutMs);
  const durationMs = performance.now() - started;
  const pastTimeout = `the guest ran past the ${timeoutMs} ms timeout and was stopped`;
  if (exit === "timeout") return failed("timeout", pastTimeout, {}, durationMs, run);
  if (exit.failure?.kind === "timeout") return failed("timeout", pastTimeout, { ...exit, fuel: null }, durationMs, run);
  if (exit.failure?.kind === "output_limit" || exit.failure?.kind === "fuel_exhausted") {
    return failed(exit.failure.kind, exit.failure.message, exit, durationMs, run);
  }
  if (exit.failure) return failed("trap", `the guest trapped: ${exit.failure.message}`, exit, durationMs, run);
  if (exit.exitCode !== 0) return failed("exit_error", `the guest exited with code ${exit.exitCode}`, exit, durationMs, run);
  const decoded = decodeResponse(exit.stdout);
  if (!decoded.ok) return failed("contract_error", decoded.reason, exit, durationMs, run);
  const res = decoded.response;
  const headers: Headers = {};
  const dropped = new Set(DROPPED_RESPONSE_HEADERS.map((h) => h.toLowerCase()));
  for (const [key, values] of Object.entries(res.headers ?? {})) {
    if (!dropped.has(key.toLowerCase())) headers[key] = values;
  }
  const noBody = wire.method === "HEAD" || res.status === 204 || res.status === 304;
  let bodyBytes: Uint8Array = new Uint8Array();
  if (!noBody && res.body !== undefined) {
    bodyBytes = res.body_encoding === "base64" ? fromBase64(res.body) : new TextEncoder().encode(res.body);
  }
  const stderr = new TextDecoder().decode(exit.stderr);
  return {
    status: res.status,
    headers,
    body: new TextDecoder().decode(bodyBytes),
    bodyBytes,
    stderr,
    logs: logsOf(stderr, exit, wire.trace_id),
    exitCode: exit.exitCode,
    durationMs,
    outcome: "ok",
    stdout: exit.stdout,
    memoryBytes: exit.memoryBytes,
    fuel: exit.fuel,
    ...hostResult(run),
  };
}
