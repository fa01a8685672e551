import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { formatHttp, formatJson } from "../http-format.js";
import { invoke } from "../../testing/invoke.js";
import { parseFetchRule } from "../../testing/host/allow-list.js";
import type { Grants } from "../../testing/host/host-run.js";
import type { KvMode } from "../../testing/host/host-imports.js";
import { UserError } from "../errors.js";
import { canonicalHeaderName } from "../../contract/headers.js";
import { SDK_VERSION } from "../version.js";
import { sendToNetwork } from "../../dev/network-fetch.js";
import type { SqlMode } from "../../testing/host/sql-databases.js";
import { namedPaths, readDatabases, readObjectDirs } from "../host-data.js";

interface RunOptions {
  request?: string;
  data?: string;
  header: string[];
  env: string[];
  json?: boolean;
  timeout: string;
  kv: string[];
  fetch: string[];
  sql: string[];
  objectsGrant: string[];
  ai?: boolean;
  db: string[];
  objects: string[];
  aiAnswer: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function readData(data: string): Promise<Uint8Array> {
  if (!data.startsWith("@")) return new TextEncoder().encode(data);
  const file = data.slice(1);
  try {
    return new Uint8Array(await readFile(file));
  } catch {
    throw new UserError(`-d @${file}: no such file`);
  }
}

function parseHeader(line: string): [string, string] {
  const colon = line.indexOf(":");
  if (colon <= 0) throw new UserError(`-H ${JSON.stringify(line)}: expected 'Name: value'`);
  return [canonicalHeaderName(line.slice(0, colon).trim()), line.slice(colon + 1).trim()];
}

/** Reads `--env K=V` options into an environment. */
export function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UserError(`--env ${JSON.stringify(pair)}: expected K=V`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

// `--kv sessions` grants read and write, `--kv settings:read` read only;
// `--sql main` and `--sql main:read` the same for a database.
function parseModeGrants(flag: string, specs: string[]): Record<string, KvMode> {
  const grants: Record<string, KvMode> = {};
  for (const spec of specs) {
    const [name, mode = "readwrite", ...rest] = spec.split(":");
    if (!name || (mode !== "read" && mode !== "readwrite") || rest.length > 0)
      throw new UserError(`${flag} ${JSON.stringify(spec)}: expected <name> or <name>:read`);
    grants[name] = mode;
  }
  return grants;
}

// `--objects-grant media`, `media:read`, `media:prefix=u/1/` or
// `media:read:prefix=u/1/`, as `objects media [read] [prefix u/1/]`.
function parseObjectsGrants(specs: string[]): Record<string, { access: SqlMode; prefix: string }> {
  const grants: Record<string, { access: SqlMode; prefix: string }> = {};
  for (const spec of specs) {
    const m = /^([^:]+)(?::(read|readwrite))?(?::prefix=(.+))?$/.exec(spec);
    if (!m) throw new UserError(`--objects-grant ${JSON.stringify(spec)}: expected <store>[:read][:prefix=<prefix>]`);
    grants[m[1]!] = { access: (m[2] ?? "readwrite") as SqlMode, prefix: m[3] ?? "" };
  }
  return grants;
}

/**
 * Registers `gojinn run <wasm> [path?query] [-X M] [-d DATA|@file] [-H 'N: v']... [--env K=V]... [--kv S]...
 * [--fetch O]... [--sql D]... [--objects-grant S]... [--ai] [--db N=F]... [--objects N=D]... [--ai-answer T]... [--json]`.
 */
export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a handler once on a request and print the response as curl -i does")
    .argument("<wasm>", "the handler module")
    .argument("[target]", "path and query of the request", "/")
    .option("-X, --request <method>", "the HTTP method (default GET, or POST with -d)")
    .option("-d, --data <data>", "the request body, or @file to read it from a file")
    .option("-H, --header <line>", "a request header 'Name: value' (repeatable; replaces a default header)", collect, [])
    .option("--env <K=V>", "an environment variable for the guest (repeatable)", collect, [])
    .option("--json", "print the response as one JSON object {status, headers, body}")
    .option("--timeout <ms>", "stop the guest after this many milliseconds", "60000")
    .option("--kv <store>", "grant an empty key-value store, read-write (<store>) or read-only (<store>:read) (repeatable)", collect, [])
    .option(
      "--fetch <origin>",
      "allow outbound calls to an origin such as https://api.example.com, sent for real (repeatable)",
      collect,
      [],
    )
    .option("--sql <db>", "grant a database, read-write (<db>) or read-only (<db>:read), empty unless --db (repeatable)", collect, [])
    .option(
      "--objects-grant <store>",
      "grant an object store: <store>, <store>:read, with :prefix=<p> to keep keys under p; empty unless --objects (repeatable)",
      collect,
      [],
    )
    .option("--ai", "grant ai: calls fail as unavailable past the --ai-answer answers")
    .option(
      "--db <name=file>",
      "a database's rows from a SQLite file, read into memory; grants it read-write unless --sql says (repeatable)",
      collect,
      [],
    )
    .option(
      "--objects <name=dir>",
      "a store's objects from a directory's files; grants it read-write unless --objects-grant says (repeatable)",
      collect,
      [],
    )
    .option("--ai-answer <text>", "the answer of the guest's next ai call (repeatable, in order; implies --ai)", collect, [])
    .action(async (wasm: string, target: string, opts: RunOptions) => {
      if (!target.startsWith("/"))
        throw new UserError(`${JSON.stringify(target)}: the target must be a path starting with / (e.g. /users?id=7)`);
      const timeoutMs = Number(opts.timeout);
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
        throw new UserError(`--timeout ${opts.timeout}: expected a positive number of milliseconds`);
      const body = opts.data !== undefined ? await readData(opts.data) : new Uint8Array();
      const headers: Record<string, string[]> = { "User-Agent": [`gojinn-cli/${SDK_VERSION}`], Accept: ["*/*"] };
      if (opts.data !== undefined) {
        const text = new TextDecoder().decode(body).trim();
        headers["Content-Type"] = [text.startsWith("{") || text.startsWith("[") ? "application/json" : "text/plain; charset=utf-8"];
      }
      const replaced = new Set<string>();
      for (const line of opts.header) {
        const [name, value] = parseHeader(line);
        if (!replaced.has(name)) headers[name] = [];
        replaced.add(name);
        headers[name]!.push(value);
      }
      const contentType = headers["Content-Type"]?.[0] ?? "";
      if (opts.data !== undefined && /json/i.test(contentType)) {
        try {
          JSON.parse(new TextDecoder().decode(body));
        } catch (err) {
          throw new UserError(`invalid JSON data (-d, Content-Type ${contentType}): ${(err as Error).message}`);
        }
      }
      const method = (opts.request ?? (opts.data !== undefined ? "POST" : "GET")).toUpperCase();
      try {
        opts.fetch.forEach(parseFetchRule);
      } catch (err) {
        throw new UserError((err as Error).message);
      }
      const dbFiles = namedPaths("--db", opts.db);
      const objectDirs = namedPaths("--objects", opts.objects);
      const sql = parseModeGrants("--sql", opts.sql);
      const objects = parseObjectsGrants(opts.objectsGrant);
      for (const name of Object.keys(dbFiles)) sql[name] ??= "readwrite";
      for (const name of Object.keys(objectDirs)) objects[name] ??= { access: "readwrite", prefix: "" };
      const grants: Grants = {
        kv: parseModeGrants("--kv", opts.kv),
        fetch: opts.fetch,
        sql,
        objects,
        ai: opts.ai === true || opts.aiAnswer.length > 0,
      };
      const notes: string[] = [];
      const host = { databases: await readDatabases(dbFiles, notes), objects: await readObjectDirs(objectDirs), aiAnswers: opts.aiAnswer };
      for (const note of notes) process.stderr.write(`gojinn: note: ${note}\n`);
      const result = await invoke(
        wasm,
        { method, uri: target, headers, body },
        { env: parseEnv(opts.env), timeoutMs, grants, fetch: sendToNetwork, ...host },
      );
      if (result.stderr) process.stderr.write(result.stderr.endsWith("\n") ? result.stderr : `${result.stderr}\n`);
      if (opts.json) process.stdout.write(`${formatJson(result)}\n`);
      else process.stdout.write(formatHttp(result));
      if (result.outcome !== "ok") {
        process.stderr.write(`gojinn: ${result.outcome}: ${result.reason}\n`);
        process.exitCode = 1;
      }
    });
}
