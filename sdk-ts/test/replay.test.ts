// gojinn replay (src/cli/commands/replay.ts) on records written as the Go
// host writes them (docs/crashes.md; crash_test.go replays one recorded
// through a real Caddy): the recorded grants, limits and request, --kv,
// --allow-fetch, --env and the notes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildFixture } from "./build-fixture.js";
import { gojinn } from "./cli-runner.js";

let tmp = "";
const guests: Record<string, string> = {};
let server: Server;
let origin = "";
let fetched = 0;

/** A guest of the Go tests (testdata/guests), compiled as they compile it. */
function goGuest(name: string): string {
  const out = path.join(tmp, `${name}.wasm`);
  execFileSync("wat2wasm", [fileURLToPath(new URL(`../../testdata/guests/${name}.wat`, import.meta.url)), "-o", out]);
  return out;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "gojinn-replay-"));
  for (const name of ["kv-do", "fetch-get", "loop", "exit3"]) guests[name] = goGuest(name);
  server = createServer((_req, res) => {
    fetched++;
    res.end("hello");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.close();
});

/** Writes a record for `wasm` whose request has `body`; `extra` overrides fields. */
function record(name: string, wasm: string, body: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(tmp, `${name}.json`);
  const rec = {
    id: `20261203T150405.123456789Z-${name}-0a1b2c3d`,
    time: "2026-12-03T15:04:05.123456789Z",
    handler: name,
    module: wasm,
    module_sha256: createHash("sha256").update(readFileSync(wasm)).digest("hex"),
    outcome: "trap",
    status: 502,
    reason: "the guest trapped",
    stderr_tail: "",
    fuel_used: 100,
    limits: { timeout_ms: 60000, fuel_limit: 0, max_output_size: 5000000, memory_limit: 128000000 },
    grants: {},
    env_names: [],
    body_recorded: true,
    body_size: body.length,
    body_truncated: false,
    request: {
      method: "POST",
      uri: "/",
      headers: {},
      body,
      trace_id: "t",
      host: "example.com",
      remote_addr: "203.0.113.7:1",
      proto: "HTTP/1.1",
    },
    ...extra,
  };
  writeFileSync(file, JSON.stringify(rec));
  return file;
}

describe("gojinn replay", () => {
  test("the recorded kv grant; stores empty, or from --kv", async () => {
    const rec = record("kv", guests["kv-do"]!, "get sessions k", { grants: { kv: { sessions: "readwrite" } } });
    const empty = await gojinn(["replay", rec, guests["kv-do"]!], tmp);
    expect(empty.stdout).toContain("HTTP/1.1 200");
    expect(empty.stdout).toMatch(/\r\n\r\n1\b/); // not_found
    expect(empty.stderr).toContain("replay: ok (recorded: trap)");
    expect(empty.code).toBe(0);
    const stores = path.join(tmp, "stores.json");
    writeFileSync(stores, JSON.stringify({ sessions: { k: "v1" } }));
    const loaded = await gojinn(["replay", rec, guests["kv-do"]!, "--kv", stores], tmp);
    expect(loaded.stdout).toMatch(/\r\n\r\n0 v1/);
  });

  test("fetch is denied unless --allow-fetch, and then only what the recorded allow-list permits", async () => {
    const rec = record("fetch", guests["fetch-get"]!, "", { grants: { fetch: [origin] }, env_names: ["FETCH_URL"] });
    const before = fetched;
    const denied = await gojinn(["replay", rec, guests["fetch-get"]!, "--env", `FETCH_URL=${origin}/x`], tmp);
    expect(denied.stdout).toMatch(/\r\n\r\n2$/); // denied
    expect(fetched).toBe(before);
    const allowed = await gojinn(["replay", rec, guests["fetch-get"]!, "--env", `FETCH_URL=${origin}/x`, "--allow-fetch"], tmp);
    expect(allowed.stdout).toMatch(/\r\n\r\n0 hello$/);
    expect(fetched).toBe(before + 1);
    const elsewhere = record("fetch2", guests["fetch-get"]!, "", { grants: { fetch: ["https://api.example.com"] } });
    const outside = await gojinn(["replay", elsewhere, guests["fetch-get"]!, "--env", `FETCH_URL=${origin}/x`, "--allow-fetch"], tmp);
    expect(outside.stdout).toMatch(/\r\n\r\n2$/);
    expect(fetched).toBe(before + 1);
  });

  test("the recorded limits: a timeout and an exit code fail again, exit 1", async () => {
    const timeout = record("loop", guests["loop"]!, "", {
      outcome: "timeout",
      limits: { timeout_ms: 300, fuel_limit: 0, max_output_size: 5000000 },
    });
    const t = await gojinn(["replay", timeout, guests["loop"]!], tmp);
    expect(t.stderr).toContain("replay: timeout (the recorded outcome)");
    expect(t.code).toBe(1);
    const fuel = record("fuel", guests["loop"]!, "", {
      outcome: "fuel_exhausted",
      limits: { timeout_ms: 60000, fuel_limit: 100000, max_output_size: 5000000 },
    });
    const f = await gojinn(["replay", fuel, guests["loop"]!], tmp);
    expect(f.stderr).toContain("replay: fuel_exhausted (the recorded outcome)");
    expect(f.code).toBe(1);
    const exit = record("exit", guests["exit3"]!, "", { outcome: "exit_error" });
    const e = await gojinn(["replay", exit, guests["exit3"]!, "--json"], tmp);
    expect(e.stderr).toContain("replay: exit_error (the recorded outcome)");
    expect(JSON.parse(e.stdout)).toMatchObject({ status: 502 });
    expect(e.code).toBe(1);
  });

  test("notes: another module, an env name not given, a body not recorded or cut", async () => {
    const rec = record("notes", guests["kv-do"]!, "", { module_sha256: "00", env_names: ["TOKEN"], body_recorded: false });
    const r = await gojinn(["replay", rec, guests["kv-do"]!], tmp);
    expect(r.stderr).toContain("is not the recorded module");
    expect(r.stderr).toContain("the handler's env TOKEN is not recorded: pass --env NAME=VALUE");
    expect(r.stderr).toContain("the body was not recorded");
    const cut = await gojinn(["replay", record("cut", guests["kv-do"]!, "x", { body_truncated: true }), guests["kv-do"]!], tmp);
    expect(cut.stderr).toContain("cut to its first 64 KiB");
  });

  test("a module that uses sql under a record without the sql grant: the replay says so and its calls are denied", async () => {
    const wasm = await buildFixture("sql-handler");
    const rec = record("sql", wasm, "SELECT 1");
    const raw = JSON.parse(readFileSync(rec, "utf8")) as { request: { uri: string } };
    raw.request.uri = "/query";
    writeFileSync(rec, JSON.stringify(raw));
    const r = await gojinn(["replay", rec, wasm, "--json"], tmp);
    expect(r.stderr).toContain("the record has no sql grant: the module's calls to it are denied in the replay");
    expect(JSON.parse((JSON.parse(r.stdout) as { body: string }).body)).toMatchObject({ ok: false, error: "denied" });
    const kv = await gojinn(["replay", record("kv-note", guests["kv-do"]!, ""), guests["kv-do"]!], tmp);
    expect(kv.stderr).not.toContain("the record has no");
  });

  test("a file that is not a record, a missing module: one error line, exit 1", async () => {
    const notRecord = path.join(tmp, "not-record.json");
    writeFileSync(notRecord, "{}");
    const r = await gojinn(["replay", notRecord, guests["kv-do"]!], tmp);
    expect(r.stderr).toMatch(/^gojinn: record .*: not a Gojinn crash record/);
    expect(r.code).toBe(1);
    const m = await gojinn(["replay", record("m", guests["kv-do"]!, ""), path.join(tmp, "missing.wasm")], tmp);
    expect(m.stderr).toMatch(/missing\.wasm: no such file/);
    expect(m.code).toBe(1);
  });
});
