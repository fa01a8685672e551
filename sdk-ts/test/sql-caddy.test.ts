// The SDK's sql against the real host: test/fixtures/sql-handler served by
// this repository's bin/caddy (make build) with a SQLite `database`, the
// same statements run through the harness, and the answers compared byte
// for byte. Skipped without bin/caddy.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { invoke } from "../dist/testing/index.js";
import type { SqlMode } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";
import { freePort } from "./dev-process.js";

const CADDY = fileURLToPath(new URL("../../bin/caddy", import.meta.url));

let caddy: ChildProcess | undefined;
let output = "";
let base = "";
let wasm = "";

/** One request of the handler: the grant it runs under, its path (/query, /exec), the statement and its params. */
type Step = [SqlMode, "/query" | "/exec", string, string[]];

const uriOf = (step: Step) => `${step[1]}?${step[3].map((p) => `p=${encodeURIComponent(p)}`).join("&")}`;

describe.skipIf(!existsSync(CADDY))("sql through Caddy", () => {
  beforeAll(async () => {
    wasm = await buildFixture("sql-handler");
    const dir = mkdtempSync(path.join(tmpdir(), "gojinn-sql-caddy-"));
    copyFileSync(wasm, path.join(dir, "handler.wasm"));
    const [port, admin] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    writeFileSync(
      path.join(dir, "Caddyfile"),
      `{
	admin 127.0.0.1:${admin}
	default_bind 127.0.0.1
	gojinn {
		data_dir ${path.join(dir, "gojinn")}
		database main sqlite main.db
	}
}

${base} {
	handle_path /readwrite/* {
		gojinn ./handler.wasm {
			sql main
		}
	}
	handle_path /read/* {
		gojinn ./handler.wasm {
			sql main read
		}
	}
}
`,
    );
    caddy = spawn(CADDY, ["run", "--config", "Caddyfile", "--adapter", "caddyfile"], {
      cwd: dir,
      env: { ...process.env, XDG_DATA_HOME: path.join(dir, "data"), XDG_CONFIG_HOME: path.join(dir, "config") },
    });
    caddy.stdout!.on("data", (b: Buffer) => (output += b.toString()));
    caddy.stderr!.on("data", (b: Buffer) => (output += b.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`${base}/read/query`, { method: "POST", body: "SELECT 1" }).catch(() => null);
      if (res?.status === 200) break;
      if (Date.now() > deadline || caddy.exitCode !== null) throw new Error(`Caddy did not serve within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 300_000);

  afterAll(() => {
    caddy?.kill("SIGTERM");
  });

  test("every answer of the real host is the harness's, byte for byte", async () => {
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
