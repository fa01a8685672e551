import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { fromBase64 } from "../../contract/base64.js";
import type { GojinnRequest, Outcome } from "../../contract/types.js";
import type { KvMode } from "../../testing/host/host-imports.js";
import { invoke } from "../../testing/invoke.js";
import type { InvokeRequest } from "../../testing/request.js";
import { UserError } from "../errors.js";
import { formatHttp, formatJson } from "../http-format.js";
import { parseEnv } from "./run.js";
import { sendToNetwork } from "../../dev/network-fetch.js";
import { HOST_MODULE } from "../../contract/host-abi.js";
import { functionImports } from "../../wasm/import-types.js";
import type { SqlMode } from "../../testing/host/sql-databases.js";
import { namedPaths, readDatabases, readObjectDirs } from "../host-data.js";

// The grants of host functions a record may lack (records before they
// held them, or a handler without them): a module that calls them is told.
const UNGRANTED = [
  ["ai", /^ai_chat$/, (g: RecordedGrants) => g.ai === true],
  ["sql", /^sql_/, (g: RecordedGrants) => Object.keys(g.sql ?? {}).length > 0],
  ["objects", /^object_/, (g: RecordedGrants) => Object.keys(g.objects ?? {}).length > 0],
] as const;

/** The grants a crash record holds: names and modes, never a database's DSN or a store's keys. */
export interface RecordedGrants {
  kv?: Record<string, KvMode>;
  fetch?: string[];
  enqueue?: string[];
  ai?: boolean;
  sql?: Record<string, SqlMode>;
  objects?: Record<string, { access: SqlMode; prefix?: string }>;
}

/** A crash record as the Go host writes it (docs/crashes.md); the fields replay uses. */
export interface CrashRecord {
  id: string;
  handler: string;
  module_sha256: string;
  outcome: Exclude<Outcome, "ok">;
  reason: string;
  fuel_used: number;
  limits: { timeout_ms: number; fuel_limit: number; max_output_size: number; memory_limit: number };
  grants: RecordedGrants;
  env_names: string[];
  body_recorded: boolean;
  body_truncated: boolean;
  request: GojinnRequest;
}

interface ReplayOptions {
  kv?: string;
  allowFetch?: boolean;
  env: string[];
  db: string[];
  objects: string[];
  aiAnswer: string[];
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new UserError(`${what} ${file}: no such file`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${what} ${file}: not JSON: ${(err as Error).message}`);
  }
}

/** Reads a crash record, refusing a file that is not one. */
export async function readCrashRecord(file: string): Promise<CrashRecord> {
  const r = (await readJson(file, "record")) as Partial<CrashRecord>;
  if (typeof r !== "object" || r === null || typeof r.request !== "object" || typeof r.outcome !== "string" || typeof r.limits !== "object")
    throw new UserError(`record ${file}: not a Gojinn crash record (no request, outcome or limits)`);
  return r as CrashRecord;
}

/** The stores a replay starts from: `{"<store>": {"<key>": "<value>"}}`. */
async function readStores(file: string): Promise<Record<string, Record<string, string>>> {
  const kv = await readJson(file, "--kv");
  const ok =
    typeof kv === "object" &&
    kv !== null &&
    Object.values(kv).every((s) => typeof s === "object" && s !== null && Object.values(s).every((v) => typeof v === "string"));
  if (!ok) throw new UserError(`--kv ${file}: expected {"<store>": {"<key>": "<value>"}}`);
  return kv as Record<string, Record<string, string>>;
}

/** The recorded request as invoke takes it. */
function requestOf(r: CrashRecord): InvokeRequest {
  const { body, body_encoding, ...rest } = r.request;
  return { ...rest, body: body_encoding === "base64" ? fromBase64(body) : body };
}

/** Refuses data for a database or store the record does not grant: a typo would otherwise go unseen. */
function checkGranted(flag: string, given: Record<string, string>, granted: Record<string, unknown> | undefined): void {
  for (const name of Object.keys(given))
    if (!granted || !(name in granted))
      throw new UserError(`${flag} ${name}: the record grants no ${name} (granted: ${Object.keys(granted ?? {}).join(", ") || "none"})`);
}

/**
 * The host options of the recorded grants, with the data given for them,
 * and a note for each kind that starts empty.
 */
async function recordedHost(grants: RecordedGrants, opts: ReplayOptions, notes: string[]) {
  const dbFiles = namedPaths("--db", opts.db);
  const objectDirs = namedPaths("--objects", opts.objects);
  checkGranted("--db", dbFiles, grants.sql);
  checkGranted("--objects", objectDirs, grants.objects);
  if (opts.aiAnswer.length > 0 && !grants.ai) throw new UserError("--ai-answer: the record has no ai grant");
  const emptyDbs = Object.keys(grants.sql ?? {}).filter((name) => !(name in dbFiles));
  if (emptyDbs.length > 0)
    notes.push(`database ${emptyDbs.join(", ")} starts empty: pass --db <name>=<file.db> (a SQLite file, read into memory) for its rows`);
  const emptyStores = Object.keys(grants.objects ?? {}).filter((name) => !(name in objectDirs));
  if (emptyStores.length > 0)
    notes.push(`object store ${emptyStores.join(", ")} starts empty: pass --objects <name>=<dir> for its objects`);
  if (grants.ai && opts.aiAnswer.length === 0) notes.push("ai calls fail as unavailable: pass --ai-answer <text> for each call's answer");
  return {
    databases: await readDatabases(dbFiles, notes),
    objects: await readObjectDirs(objectDirs),
    aiAnswers: opts.aiAnswer,
  };
}

/** Registers `gojinn replay <record.json> <module.wasm> [--kv <file.json>] [--db N=F]... [--objects N=D]... [--ai-answer T]... [--allow-fetch] [--env K=V]... [--json]`. */
export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description("run the request of a crash record (record_crashes) again, with the recorded limits, and print how it ends")
    .argument("<record>", "the crash record (a .json file of the record_crashes directory)")
    .argument("<wasm>", "the handler module")
    .option("--kv <file>", 'the stores before the run, from a JSON file {"<store>": {"<key>": "<value>"}} (default: empty)')
    .option("--db <name=file>", "a recorded database's rows, from a SQLite file read into memory (repeatable; default: empty)", collect, [])
    .option("--objects <name=dir>", "a recorded object store's objects, from a directory's files (repeatable; default: empty)", collect, [])
    .option("--ai-answer <text>", "the answer of the guest's next ai call (repeatable, in order; default: unavailable)", collect, [])
    .option("--allow-fetch", "send the guest's outbound calls that the recorded allow-list permits to the network (default: denied)")
    .option("--env <K=V>", "an environment variable for the guest (repeatable); records never hold their values", collect, [])
    .option("--json", "print the response as one JSON object {status, headers, body}")
    .action(async (recordFile: string, wasm: string, opts: ReplayOptions) => {
      const record = await readCrashRecord(recordFile);
      let bytes: Buffer;
      try {
        bytes = await readFile(wasm);
      } catch {
        throw new UserError(`${wasm}: no such file`);
      }
      const notes: string[] = [];
      const sum = createHash("sha256").update(bytes).digest("hex");
      if (record.module_sha256 && sum !== record.module_sha256)
        notes.push(`${wasm} is not the recorded module (sha256 ${sum}, recorded ${record.module_sha256})`);
      const env = parseEnv(opts.env);
      const missing = (record.env_names ?? []).filter((name) => !(name in env));
      if (missing.length > 0) notes.push(`the handler's env ${missing.join(", ")} is not recorded: pass --env NAME=VALUE`);
      const imported = (functionImports(bytes) ?? []).filter((i) => i.module === HOST_MODULE).map((i) => i.name);
      const grants = record.grants ?? {};
      const ungranted = UNGRANTED.filter(([, fn, has]) => !has(grants) && imported.some((name) => fn.test(name))).map(([grant]) => grant);
      if (ungranted.length > 0)
        notes.push(`the record has no ${ungranted.join(", ")} grant: the module's calls to it are denied in the replay`);
      if (!record.body_recorded) notes.push("the body was not recorded (record_body off): replayed with an empty body");
      else if (record.body_truncated) notes.push("the body was cut to its first 64 KiB in the record");
      const host = await recordedHost(grants, opts, notes);
      const result = await invoke(wasm, requestOf(record), {
        env,
        timeoutMs: record.limits.timeout_ms,
        fuelLimit: record.limits.fuel_limit,
        maxOutputBytes: record.limits.max_output_size,
        grants: {
          kv: grants.kv ?? {},
          enqueue: grants.enqueue ?? [],
          fetch: opts.allowFetch ? (grants.fetch ?? []) : [],
          ai: grants.ai === true,
          sql: grants.sql ?? {},
          objects: grants.objects ?? {},
        },
        ...host,
        ...(opts.kv !== undefined ? { kv: await readStores(opts.kv) } : {}),
        ...(opts.allowFetch ? { fetch: sendToNetwork } : {}),
      });
      for (const note of notes) process.stderr.write(`gojinn: note: ${note}\n`);
      if (result.stderr) process.stderr.write(result.stderr.endsWith("\n") ? result.stderr : `${result.stderr}\n`);
      if (opts.json) process.stdout.write(`${formatJson(result)}\n`);
      else process.stdout.write(formatHttp(result));
      const fuel = result.fuel === null ? "" : `, fuel ${result.fuel} (recorded ${record.fuel_used})`;
      const same = result.outcome === record.outcome ? "the recorded outcome" : `recorded: ${record.outcome}`;
      process.stderr.write(`gojinn: replay: ${result.outcome} (${same})${fuel}${result.reason ? `: ${result.reason}` : ""}\n`);
      if (result.outcome !== "ok") process.exitCode = 1;
    });
}
