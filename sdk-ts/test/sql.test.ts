// The SDK's sql (assembly/sql.ts, sqlvalue.ts), compiled into
// test/fixtures/sql-handler, against the harness's SQL databases
// (src/testing/host/sql-*.ts, sql.js): typed values both ways, counts,
// errors with the database's message, grants, the authorizer's refusals,
// one statement per call, parameter counts, max_rows and max_result.
import { beforeAll, describe, expect, test } from "vitest";
import { invoke, type InvokeOptions } from "../dist/testing/index.js";
import { loadSqlJs } from "../dist/testing/host/sql-js.js";
import { buildFixture } from "./build-fixture.js";

let wasm = "";
beforeAll(async () => {
  wasm = await buildFixture("sql-handler");
});

const SCHEMA = `CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, score REAL, avatar BLOB);
INSERT INTO users(name, score, avatar) VALUES ('ada', 9.5, x'00ff'), ('bob', NULL, NULL);`;
const granted: InvokeOptions = { databases: { main: SCHEMA }, grants: { sql: ["main"] } };

interface QueryResult {
  ok: boolean;
  error: string | null;
  message: string | null;
  columns: string[];
  rows: string[][];
  named: string[][];
}
interface ExecResult {
  ok: boolean;
  error: string | null;
  message: string | null;
  rowsAffected: string;
  lastInsertId: string;
}

/** Runs `statement` through the handler's sql.query (or sql.exec), each param written `<type>:<value>`. */
async function call<T>(path: "/query" | "/exec", statement: string, params: string[] = [], options: InvokeOptions = granted) {
  const query = params.map((p) => `p=${encodeURIComponent(p)}`).join("&");
  const res = await invoke(wasm, { method: "POST", uri: `${path}?${query}`, body: statement }, options);
  expect(res.outcome, res.reason).toBe("ok");
  return { body: JSON.parse(res.body) as T, res };
}
const query = (statement: string, params: string[] = [], options?: InvokeOptions) =>
  call<QueryResult>("/query", statement, params, options);
const exec = (statement: string, params: string[] = [], options?: InvokeOptions) => call<ExecResult>("/exec", statement, params, options);

describe("values", () => {
  test("rows come back typed, by index and by column name alike; 64-bit integers exactly", async () => {
    const { body } = await query(
      "SELECT id, name, score, avatar, 9223372036854775807 AS big, -9223372036854775808 AS small FROM users ORDER BY id",
    );
    expect(body).toMatchObject({ ok: true, error: null, message: null });
    expect(body.columns).toEqual(["id", "name", "score", "avatar", "big", "small"]);
    expect(body.rows).toEqual([
      ["int:1", "text:ada", "float:9.5", "blob:AP8=", "int:9223372036854775807", "int:-9223372036854775808"],
      ["int:2", "text:bob", "null", "null", "int:9223372036854775807", "int:-9223372036854775808"],
    ]);
    expect(body.named).toEqual(body.rows);
  });

  test("infinities arrive as the ABI's strings (the host writes them so: JSON has no infinity)", async () => {
    expect((await query("SELECT 1e999 AS a, -1e999 AS b")).body.rows).toEqual([["text:Infinity", "text:-Infinity"]]);
  });

  test.each([
    ["i:42", "integer", "int:42"],
    ["i:-7", "integer", "int:-7"],
    ["f:1.5", "real", "float:1.5"],
    ["f:2", "real", "float:2.0"], // a whole float stays REAL: the SDK writes 2.0
    ["t:héllo ✓", "text", "text:héllo ✓"],
    ['t:quote " and \\ and \n', "text", 'text:quote " and \\ and \n'],
    ["b:AAEC/w==", "blob", "blob:AAEC/w=="],
    ["B:true", "integer", "int:1"],
    ["B:false", "integer", "int:0"],
    ["n", "null", "null"],
  ])("the parameter %s binds as %s and reads back as %s", async (param, type, back) => {
    const { body } = await query("SELECT typeof(?1), ?1", [param]);
    expect(body.rows).toEqual([[`text:${type}`, back]]);
  });

  test("typed getters by column name; an unknown column or index is NULL", async () => {
    const res = await invoke(
      wasm,
      { method: "POST", uri: "/getters", body: "SELECT 9007199254740993 AS i, 0.25 AS f, 'ada' AS t, x'0102' AS b, 1 AS B, NULL AS n" },
      granted,
    );
    expect(JSON.parse(res.body)).toEqual({
      int: "9007199254740993",
      float: 0.25,
      text: "ada",
      blob: "AQI=",
      bool: true,
      isNull: true,
      missingIsNull: true,
      outOfRangeIsNull: true,
    });
  });
});

describe("exec", () => {
  test("rows affected and the last insert id; the database after the run holds the writes", async () => {
    const insert = await exec("INSERT INTO users(name) VALUES (?)", ["t:cy"]);
    expect(insert.body).toMatchObject({ ok: true, error: null, rowsAffected: "1", lastInsertId: "3" });
    expect(insert.res.databases["main"]!.exec("SELECT name FROM users ORDER BY id")[0]!.values).toEqual([["ada"], ["bob"], ["cy"]]);
    const update = await exec("UPDATE users SET score = ?", ["f:1"]);
    expect(update.body).toMatchObject({ ok: true, rowsAffected: "2", lastInsertId: "0" });
    // A statement that changes no row reports 0, not the previous statement's count.
    const create = await exec("CREATE TABLE notes(id INTEGER PRIMARY KEY)");
    expect(create.body).toMatchObject({ ok: true, rowsAffected: "0", lastInsertId: "0" });
    expect(create.res.databases["main"]!.exec("SELECT name FROM sqlite_master WHERE name = 'notes'")[0]!.values).toEqual([["notes"]]);
  });

  test("a write through query (RETURNING) returns its rows and is kept", async () => {
    const { body, res } = await query("INSERT INTO users(name) VALUES (?) RETURNING id, name", ["t:dee"]);
    expect(body.rows).toEqual([["int:3", "text:dee"]]);
    expect(res.databases["main"]!.exec("SELECT count(*) FROM users")[0]!.values).toEqual([[3]]);
  });
});

describe("failures", () => {
  test.each([
    ["an unknown table", "SELECT * FROM nope", [], "invalid", "no such table: nope"],
    ["a syntax error", "SELEC 1", [], "invalid", 'near "SELEC": syntax error'],
    ["a unique constraint", "INSERT INTO users(name) VALUES ('ada')", [], "conflict", "UNIQUE constraint failed: users.name"],
    ["a not-null constraint", "INSERT INTO users(name) VALUES (NULL)", [], "conflict", "NOT NULL constraint failed: users.name"],
    ["a parameter missing", "SELECT ?, ?", ["i:1"], "invalid", "1 parameters given, the statement has 2"],
    ["a parameter too many", "SELECT ?", ["i:1", "i:2"], "invalid", "2 parameters given, the statement has 1"],
    ["a second statement", "SELECT 1; SELECT 2", [], "invalid", "one statement per call: the text holds a second one"],
    ["no statement at all", "-- nothing", [], "invalid", "no statement"],
  ])("%s: %s is %s with the database's message", async (_what, statement, params, error, message) => {
    const { body, res } = await exec(statement, params);
    expect(body).toMatchObject({ ok: false, error, message });
    expect(res.databases["main"]!.exec("SELECT count(*) FROM users")[0]!.values).toEqual([[2]]);
  });

  test("a trailing semicolon or comment is not a second statement", async () => {
    expect((await query("SELECT 1; -- done\n")).body.rows).toEqual([["int:1"]]);
  });

  test("a success clears the last error and message", async () => {
    const res = await invoke(wasm, { uri: "/error-then-ok" }, granted);
    expect(res.body).toBe("invalid|no such table: no_such_table|-|-|null|1");
  });
});

describe("grants", () => {
  test("a database not granted is denied without a message, even when it exists", async () => {
    const { body } = await query("SELECT 1", [], { databases: { main: SCHEMA } });
    expect(body).toMatchObject({ ok: false, error: "denied", message: null });
  });

  test("a read grant reads; a write is refused by the database itself and changes nothing", async () => {
    const read: InvokeOptions = { databases: { main: SCHEMA }, grants: { sql: { main: "read" } } };
    expect((await query("SELECT name FROM users WHERE id = ?", ["i:1"], read)).body.rows).toEqual([["text:ada"]]);
    const { body, res } = await exec("DELETE FROM users", [], read);
    expect(body).toMatchObject({ ok: false, error: "denied", message: "attempt to write a readonly database" });
    expect(res.databases["main"]!.exec("SELECT count(*) FROM users")[0]!.values).toEqual([[2]]);
    // The pragma that would lift it is one the host refuses.
    const lift = await exec("PRAGMA query_only = 0", [], read);
    expect(lift.body).toMatchObject({ ok: false, error: "denied", message: "PRAGMA query_only is not allowed here" });
  });

  test.each([
    ["ATTACH 'x.db' AS x", "ATTACH, DETACH, VACUUM and VACUUM INTO are not allowed"],
    ["VACUUM INTO 'copy.db'", "ATTACH, DETACH, VACUUM and VACUUM INTO are not allowed"],
    ["BEGIN", "transactions are not allowed: each call commits on its own"],
    ["savepoint a", "transactions are not allowed: each call commits on its own"],
    ["CREATE TEMP TABLE t(x)", "temporary objects are not allowed: they would outlive the call"],
    ["CREATE TABLE temp.t(x)", "temporary objects are not allowed: they would outlive the call"],
    ["PRAGMA journal_mode = DELETE", "PRAGMA journal_mode is not allowed here"],
    ["PRAGMA optimize", "PRAGMA optimize is not allowed here"],
    ["SELECT changes()", "changes() is not allowed"],
  ])("the authorizer refuses %s", async (statement, message) => {
    const { body } = await exec(statement);
    expect(body).toMatchObject({ ok: false, error: "denied", message });
  });

  test("pragmas that read are allowed", async () => {
    expect((await query("PRAGMA user_version")).body.rows).toEqual([["int:0"]]);
    expect((await query("PRAGMA table_info(users)")).body.rows.map((r) => r[1])).toEqual([
      "text:id",
      "text:name",
      "text:score",
      "text:avatar",
    ]);
  });
});

describe("caps and options", () => {
  test("more rows than sqlMaxRows is too_large, never a truncated result", async () => {
    const rows = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n";
    expect((await query(rows, [], { ...granted, sqlMaxRows: 3 })).body.rows).toHaveLength(3);
    expect((await query(rows, [], { ...granted, sqlMaxRows: 2 })).body).toMatchObject({ ok: false, error: "too_large", message: null });
  });

  test("a result larger than sqlMaxResult bytes is too_large; its exact size fits", async () => {
    // {"columns":["x"],"rows":[["é"]]}: 33 bytes (é is two).
    expect((await query("SELECT 'é' AS x", [], { ...granted, sqlMaxResult: 33 })).body.rows).toEqual([["text:é"]]);
    expect((await query("SELECT 'é' AS x", [], { ...granted, sqlMaxResult: 32 })).body).toMatchObject({ error: "too_large" });
  });

  test("a database given as a sql.js Database or a file image; a bad script or grant fails invoke", async () => {
    const SQL = await loadSqlJs();
    const made = new SQL.Database();
    made.run("CREATE TABLE t(x); INSERT INTO t VALUES ('from the test')");
    expect((await query("SELECT x FROM t", [], { databases: { main: made }, grants: { sql: ["main"] } })).body.rows).toEqual([
      ["text:from the test"],
    ]);
    expect((await query("SELECT x FROM t", [], { databases: { main: made.export() }, grants: { sql: ["main"] } })).body.rows).toEqual([
      ["text:from the test"],
    ]);
    await expect(invoke(wasm, {}, { databases: { main: "CREAT TABLE" } })).rejects.toThrow(/databases\.main: near "CREAT": syntax error/);
    await expect(invoke(wasm, {}, { grants: { sql: { main: "write" as "read" } } })).rejects.toThrow(/grants\.sql\.main: mode must be/);
    await expect(invoke(wasm, {}, { grants: { sql: ["bad name"] } })).rejects.toThrow(/bad database name/);
  });

  test("a statement still running at the run's timeout ends the run with outcome timeout (504)", async () => {
    const endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
    const started = performance.now();
    const res = await invoke(wasm, { method: "POST", uri: "/query", body: endless }, { ...granted, timeoutMs: 1000 });
    expect(res).toMatchObject({ status: 504, outcome: "timeout" });
    expect(performance.now() - started).toBeLessThan(30_000); // a sanity bound: stopped, not run to its end
  });

  test("a granted database that was never given starts empty", async () => {
    const { body, res } = await exec("CREATE TABLE t(x)", [], { grants: { sql: ["main"] } });
    expect(body.ok).toBe(true);
    expect(res.databases["main"]!.exec("SELECT name FROM sqlite_master")[0]!.values).toEqual([["t"]]);
  });
});
