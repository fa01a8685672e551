// gojinn replay (src/cli/commands/replay.ts) of records with the ai, sql and
// objects grants: --db loads a SQLite file (made here with sql.js), --objects
// a directory, --ai-answer the AI's answers; the files are never written,
// and each kind without its data starts empty with a note. crash_test.go
// replays such a record recorded through a real Caddy.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { loadSqlJs } from "../dist/testing/host/sql-js.js";
import { buildFixture } from "./build-fixture.js";
import { gojinn } from "./cli-runner.js";

let tmp = "";
let sqlWasm = "";
let objectsWasm = "";
let hostWasm = "";
let dbFile = "";
let mediaDir = "";

const sha = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "gojinn-replay-data-"));
  [sqlWasm, objectsWasm, hostWasm] = await Promise.all([
    buildFixture("sql-handler"),
    buildFixture("objects-handler"),
    buildFixture("host-handler"),
  ]);
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.run("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT); INSERT INTO notes VALUES (1, 'from the file')");
  dbFile = path.join(tmp, "app.db");
  writeFileSync(dbFile, db.export());
  db.close();
  mediaDir = path.join(tmp, "media");
  mkdirSync(path.join(mediaDir, "u", "1"), { recursive: true });
  writeFileSync(path.join(mediaDir, "u", "1", "a.json"), '{"a":1}');
  writeFileSync(path.join(mediaDir, "u", "1", "blob"), "xyz");
  writeFileSync(path.join(mediaDir, "top.txt"), "top");
});

/** Writes a record of `method uri` with `body` for `wasm`, granted `grants`. */
function record(name: string, wasm: string, method: string, uri: string, body: string, grants: Record<string, unknown>): string {
  const file = path.join(tmp, `${name}.json`);
  const rec = {
    id: `20261203T150405.123456789Z-${name}-0a1b2c3d`,
    handler: name,
    module: wasm,
    module_sha256: sha(wasm),
    outcome: "trap",
    status: 502,
    reason: "the guest trapped",
    fuel_used: 100,
    limits: { timeout_ms: 60000, fuel_limit: 0, max_output_size: 5000000, memory_limit: 128000000 },
    grants,
    env_names: [],
    body_recorded: true,
    body_size: body.length,
    body_truncated: false,
    request: { method, uri, headers: {}, body, trace_id: "t", host: "example.com", remote_addr: "203.0.113.7:1", proto: "HTTP/1.1" },
  };
  writeFileSync(file, JSON.stringify(rec));
  return file;
}

/** The guest's JSON answer in a `--json` replay. */
function answer(stdout: string): Record<string, unknown> {
  return JSON.parse((JSON.parse(stdout) as { body: string }).body) as Record<string, unknown>;
}

describe("gojinn replay with data", () => {
  test("sql: --db loads the file's rows, the guest's writes stay in memory; without it the database starts empty", async () => {
    const query = record("q", sqlWasm, "POST", "/query?db=main", "SELECT title FROM notes", { sql: { main: "readwrite" } });
    const loaded = await gojinn(["replay", query, sqlWasm, "--db", `main=${dbFile}`, "--json"], tmp);
    expect(answer(loaded.stdout), loaded.stderr).toMatchObject({ ok: true, rows: [["text:from the file"]] });
    expect(loaded.stderr).not.toContain("starts empty");
    const empty = await gojinn(["replay", query, sqlWasm, "--json"], tmp);
    expect(answer(empty.stdout)).toMatchObject({ ok: false, error: "invalid", message: "no such table: notes" });
    expect(empty.stderr).toContain("gojinn: note: database main starts empty: pass --db <name>=<file.db>");
    expect(empty.stderr.match(/starts empty/g)).toHaveLength(1);

    const before = sha(dbFile);
    const write = record("w", sqlWasm, "POST", "/exec?db=main", "DELETE FROM notes", { sql: { main: "readwrite" } });
    const wrote = await gojinn(["replay", write, sqlWasm, "--db", `main=${dbFile}`, "--json"], tmp);
    expect(answer(wrote.stdout)).toMatchObject({ ok: true, rowsAffected: "1" });
    expect(sha(dbFile)).toBe(before);
    const readOnly = record("r", sqlWasm, "POST", "/exec?db=main", "DELETE FROM notes", { sql: { main: "read" } });
    const denied = await gojinn(["replay", readOnly, sqlWasm, "--db", `main=${dbFile}`, "--json"], tmp);
    expect(answer(denied.stdout)).toMatchObject({ ok: false, error: "denied" });
  });

  test("objects: --objects loads a directory (keys relative to it, content type by extension), under the recorded prefix", async () => {
    const grants = { objects: { media: { access: "read", prefix: "u/" } } };
    const get = record("g", objectsWasm, "GET", "/get?store=media&key=u/1/a.json", "", grants);
    const loaded = await gojinn(["replay", get, objectsWasm, "--objects", `media=${mediaDir}`, "--json"], tmp);
    expect(answer(loaded.stdout), loaded.stderr).toMatchObject({ ok: true, text: '{"a":1}', contentType: "application/json", size: "7" });
    const blob = record("b", objectsWasm, "GET", "/get?store=media&key=u/1/blob", "", grants);
    const b = await gojinn(["replay", blob, objectsWasm, "--objects", `media=${mediaDir}`, "--json"], tmp);
    expect(answer(b.stdout)).toMatchObject({ ok: true, text: "xyz", contentType: "application/octet-stream" });
    const outside = record("o", objectsWasm, "GET", "/get?store=media&key=top.txt", "", grants);
    const o = await gojinn(["replay", outside, objectsWasm, "--objects", `media=${mediaDir}`, "--json"], tmp);
    expect(answer(o.stdout)).toMatchObject({ ok: false, error: "denied" });
    const put = record("p", objectsWasm, "POST", "/put?store=media&key=u/1/a.json", "new", grants);
    const p = await gojinn(["replay", put, objectsWasm, "--objects", `media=${mediaDir}`, "--json"], tmp);
    expect(answer(p.stdout)).toMatchObject({ ok: false, error: "denied" });

    const rw = record("rw", objectsWasm, "POST", "/put?store=media&key=u/1/a.json&text=1", "new", {
      objects: { media: { access: "readwrite" } },
    });
    const wrote = await gojinn(["replay", rw, objectsWasm, "--objects", `media=${mediaDir}`, "--json"], tmp);
    expect(answer(wrote.stdout)).toMatchObject({ ok: true });
    expect(readFileSync(path.join(mediaDir, "u", "1", "a.json"), "utf8")).toBe('{"a":1}');

    const empty = await gojinn(["replay", get, objectsWasm, "--json"], tmp);
    expect(answer(empty.stdout)).toMatchObject({ ok: false, error: "not_found" });
    expect(empty.stderr).toContain("gojinn: note: object store media starts empty: pass --objects <name>=<dir>");
  });

  test("ai: --ai-answer answers the recorded ai grant's calls; without it they are unavailable, with a note", async () => {
    const chat = record("ai", hostWasm, "POST", "/chat", "hi", { ai: true });
    const answered = await gojinn(["replay", chat, hostWasm, "--ai-answer", "canned reply", "--json"], tmp);
    expect(answer(answered.stdout), answered.stderr).toMatchObject({ text: "canned reply", error: null });
    const none = await gojinn(["replay", chat, hostWasm, "--json"], tmp);
    expect(answer(none.stdout)).toMatchObject({ text: null, error: "unavailable" });
    expect(none.stderr).toContain("gojinn: note: ai calls fail as unavailable: pass --ai-answer <text>");
  });

  test("data for what the record does not grant, or a file that is not SQLite: one error line, exit 1", async () => {
    const rec = record("e", sqlWasm, "POST", "/query?db=main", "SELECT 1", { sql: { main: "readwrite" } });
    for (const [args, message] of [
      [["--db", `other=${dbFile}`], /^gojinn: --db other: the record grants no other \(granted: main\)$/],
      [["--objects", `media=${mediaDir}`], /^gojinn: --objects media: the record grants no media \(granted: none\)$/],
      [["--ai-answer", "x"], /^gojinn: --ai-answer: the record has no ai grant$/],
      [["--db", `main=${path.join(mediaDir, "top.txt")}`], /^gojinn: --db main=.*top\.txt: not a SQLite database file$/],
      [["--db", "main"], /^gojinn: --db "main": expected <name>=<path>$/],
    ] as const) {
      const r = await gojinn(["replay", rec, sqlWasm, ...args], tmp);
      expect(r.stderr.trim(), args.join(" ")).toMatch(message);
      expect(r.code).toBe(1);
    }
  });
});
