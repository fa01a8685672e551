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

// Host functions whose grants a crash record does not hold: a replay denies them.
const UNRECORDED = [
  ["ai", /^ai_chat$/],
  ["sql", /^sql_/],
  ["objects", /^object_/],
] as const;

/** A crash record as the Go host writes it (docs/crashes.md); the fields replay uses. */
export interface CrashRecord {
  id: string;
  handler: string;
  module_sha256: string;
  outcome: Exclude<Outcome, "ok">;
  reason: string;
  fuel_used: number;
  limits: { timeout_ms: number; fuel_limit: number; max_output_size: number; memory_limit: number };
  grants: { kv?: Record<string, KvMode>; fetch?: string[]; enqueue?: string[] };
  env_names: string[];
  body_recorded: boolean;
  body_truncated: boolean;
  request: GojinnRequest;
}

interface ReplayOptions {
  kv?: string;
  allowFetch?: boolean;
  env: string[];
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

/** Registers `gojinn replay <record.json> <module.wasm> [--kv <file.json>] [--allow-fetch] [--env K=V]... [--json]`. */
export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description("run the request of a crash record (record_crashes) again, with the recorded limits, and print how it ends")
    .argument("<record>", "the crash record (a .json file of the record_crashes directory)")
    .argument("<wasm>", "the handler module")
    .option("--kv <file>", 'the stores before the run, from a JSON file {"<store>": {"<key>": "<value>"}} (default: empty)')
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
      const unrecorded = UNRECORDED.filter(([, fn]) => imported.some((name) => fn.test(name))).map(([grant]) => grant);
      if (unrecorded.length > 0)
        notes.push(`records hold no ${unrecorded.join(", ")} grants: the module's calls to them are denied in the replay`);
      if (!record.body_recorded) notes.push("the body was not recorded (record_body off): replayed with an empty body");
      else if (record.body_truncated) notes.push("the body was cut to its first 64 KiB in the record");
      const grants = record.grants ?? {};
      const result = await invoke(wasm, requestOf(record), {
        env,
        timeoutMs: record.limits.timeout_ms,
        fuelLimit: record.limits.fuel_limit,
        maxOutputBytes: record.limits.max_output_size,
        grants: { kv: grants.kv ?? {}, enqueue: grants.enqueue ?? [], fetch: opts.allowFetch ? (grants.fetch ?? []) : [] },
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
