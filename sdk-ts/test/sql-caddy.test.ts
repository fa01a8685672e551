// The SDK's sql against the real host: test/fixtures/sql-handler served by
// this repository's bin/caddy (make build) with a SQLite `database`, the
// same statements run through the harness, and the answers compared byte
// for byte. Skipped without bin/caddy.
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { invoke } from "../dist/testing/index.js";
import type { SqlMode } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";
import { HAVE_CADDY, route, startCaddy, type TestProcess } from "./caddy-process.js";

let caddy: TestProcess | undefined;
let base = "";
let wasm = "";

/** One request of the handler: the grant it runs under, its path (/query, /exec), the statement and its params. */
type Step = [SqlMode, "/query" | "/exec", string, string[]];

const uriOf = (step: Step) => `${step[1]}?${step[3].map((p) => `p=${encodeURIComponent(p)}`).join("&")}`;

describe.skipIf(!HAVE_CADDY)("sql through Caddy", () => {
  beforeAll(async () => {
    wasm = await buildFixture("sql-handler");
    const dir = mkdtempSync(path.join(tmpdir(), "gojinn-sql-caddy-"));
    copyFileSync(wasm, path.join(dir, "handler.wasm"));
    const routes = route("/readwrite", "sql main") + route("/read", "sql main read");
    ({ base, caddy } = await startCaddy(dir, "\t\tdatabase main sqlite main.db\n", routes, "/read/error-then-ok"));
  }, 300_000);

  afterAll(() => caddy?.stop());

  test("every answer of the real host is the harness's, byte for byte", { timeout: 300_000 }, async () => {
    const steps: Step[] = [
      ["readwrite", "/exec", "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, score REAL, avatar BLOB)", []],
      ["readwrite", "/exec", "INSERT INTO users(name, score, avatar) VALUES (?, ?, ?)", ['t:ada "q" é ✓', "f:2", "b:AAEC/w=="]],
      ["readwrite", "/exec", "INSERT INTO users(name, score) VALUES (?, ?)", ["t:bob", "n"]],
      [
        "readwrite",
        "/query",
        "SELECT id, name, score, avatar, typeof(score), 9223372036854775807 AS big, 0.1 + 0.2 AS f, 1e999 AS inf FROM users ORDER BY id",
        [],
      ],
      ["readwrite", "/exec", "UPDATE users SET score = ? WHERE score IS NULL", ["f:1.5"]],
      ["readwrite", "/exec", "CREATE INDEX users_score ON users(score)", []],
      ["readwrite", "/query", "INSERT INTO users(name) VALUES (?) RETURNING id, name", ["t:cy"]],
      ["readwrite", "/query", "SELECT typeof(?1), ?1, typeof(?2), ?2, typeof(?3), ?3", ["i:-7", "B:true", "f:0.5"]],
      ["readwrite", "/exec", "INSERT INTO users(name) VALUES (?)", ["t:bob"]],
      ["readwrite", "/exec", "INSERT INTO users(name) VALUES (NULL)", []],
      ["readwrite", "/query", "SELECT * FROM nope", []],
      ["readwrite", "/query", "SELECT ?, ?", ["i:1"]],
      ["readwrite", "/query", "SELECT 1; SELECT 2", []],
      ["readwrite", "/query", "SELECT 1; -- a comment", []],
      ["readwrite", "/exec", "BEGIN", []],
      ["readwrite", "/exec", "CREATE TEMP TABLE t(x)", []],
      ["readwrite", "/exec", "PRAGMA user_version = 3", []],
      ["readwrite", "/query", "PRAGMA user_version", []],
      ["readwrite", "/query", "SELECT changes()", []],
      ["readwrite", "/exec", "VACUUM", []],
      ["read", "/query", "SELECT name FROM users ORDER BY id", []],
      ["read", "/exec", "DELETE FROM users", []],
      ["read", "/exec", "PRAGMA query_only = 0", []],
      ["read", "/query", "SELECT count(*) FROM users", []],
      // The default caps: 1,000 rows, 1 MiB.
      [
        "read",
        "/query",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i, printf('%0100d', i) FROM n",
        ["i:1000"],
      ],
      ["read", "/query", "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i FROM n", ["i:1001"]],
      ["read", "/query", "SELECT zeroblob(?)", ["i:1048576"]],
    ];
    let image: Uint8Array | undefined;
    for (const step of steps) {
      const [grant, , statement] = step;
      const real = await fetch(`${base}/${grant}${uriOf(step)}`, { method: "POST", body: statement });
      const harness = await invoke(
        wasm,
        { method: "POST", uri: uriOf(step), body: statement },
        { databases: image ? { main: image } : {}, grants: { sql: { main: grant } } },
      );
      image = harness.databases["main"]!.export();
      expect(await real.text(), `${grant} ${statement}`).toBe(harness.body);
    }
  });

  test("a 64-bit integer parameter binds as an integer on the host (the harness binds it as text: docs/sdk-ts.md)", async () => {
    const res = await fetch(`${base}/read/query?p=i:9223372036854775807`, { method: "POST", body: "SELECT typeof(?1), ?1" });
    expect(((await res.json()) as { rows: string[][] }).rows).toEqual([["text:integer", "int:9223372036854775807"]]);
  });
});
