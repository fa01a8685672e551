// The gojinn CLI, run as a user runs it (bin/gojinn in a child process).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { buildFixture } from "./build-fixture.js";
import { gojinn, hasNoStackTrace, runCommand } from "./cli-runner.js";
import { EMPTY_MODULE, FOREIGN_IMPORT_MODULE } from "./wasm-bytes.js";
import { wat } from "./wat.js";
import { loadSqlJs } from "../dist/testing/host/sql-js.js";

const SDK_ROOT = fileURLToPath(new URL("..", import.meta.url));
const HELLO = fileURLToPath(new URL("../../examples/hello-as/build/handler.wasm", import.meta.url));
const CONTRACT = fileURLToPath(new URL("../../contract/handler/build/handler.wasm", import.meta.url));

let tmp = "";
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "gojinn-cli-"));
});

describe("help", () => {
  test.each([[["--help"]], [["init", "--help"]], [["build", "--help"]], [["run", "--help"]], [["check", "--help"]], [["dev", "--help"]]])(
    "gojinn %j prints usage and exits 0",
    async (args) => {
      const r = await gojinn(args, tmp);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: gojinn/);
    },
  );

  test("an unknown command is one error line and a non-zero exit", async () => {
    const r = await gojinn(["frobnicate"], tmp);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe("init, build, run, check for every template", () => {
  test.each(["hello", "json-api", "router", "kv"])(
    "template %s",
    async (template) => {
      const dir = path.join(tmp, `proj-${template}`);
      const init = await gojinn(["init", dir, "--template", template], tmp);
      expect(init.code, init.stderr).toBe(0);
      for (const f of [
        "package.json",
        "asconfig.json",
        "assembly/index.ts",
        "test/handler.test.ts",
        "Caddyfile",
        "README.md",
        ".gitignore",
      ]) {
        expect(existsSync(path.join(dir, f)), f).toBe(true);
      }
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      expect(pkg.dependencies.gojinn).toBe(`file:${SDK_ROOT.replace(/\/$/, "")}`);
      expect(readFileSync(path.join(dir, "Caddyfile"), "utf8")).toContain(`handle_path /proj-${template}/*`);
      expect(readFileSync(path.join(dir, "README.md"), "utf8")).toMatch(new RegExp(`^# proj-${template}\n`));

      const build = await gojinn(["build"], dir);
      expect(build.code, build.stderr).toBe(0);
      expect(build.stdout).toMatch(/^built build\/handler\.wasm \(\d+\.\d KB, \d+ bytes\)$/m);

      const check = await gojinn(["check", "build/handler.wasm"], dir);
      expect(check.code, check.stdout).toBe(0);
      expect(check.stdout).toContain("ok: every check passed");

      const method = template === "json-api" ? ["-d", '{"name":"Ana","email":"ana@example.com"}'] : [];
      const target = template === "router" ? "/users/7" : "/";
      const grants = template === "kv" ? ["--kv", "notes"] : [];
      const run = await gojinn(["run", "build/handler.wasm", target, ...method, ...grants], dir);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(template === "json-api" ? /^HTTP\/1\.1 201 Created\r\n/ : /^HTTP\/1\.1 200 OK\r\n/);
    },
    120_000,
  );

  test("--sdk sets the dependency spec", async () => {
    const dir = path.join(tmp, "with-sdk");
    expect((await gojinn(["init", dir, "--sdk", "^0.1.0"], tmp)).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).dependencies.gojinn).toBe("^0.1.0");
  });
});

describe("run", () => {
  test("--kv grants an empty store; --fetch allows an origin, called for real", async () => {
    const counter = fileURLToPath(new URL("../../examples/counter-as/build/handler.wasm", import.meta.url));
    const granted = await gojinn(["run", counter, "/", "--kv", "counter"], tmp);
    expect(granted.stdout).toMatch(/\r\n\r\n\{"visits":1\}\n$/);
    const readOnly = await gojinn(["run", counter, "/", "--kv", "counter:read"], tmp);
    expect(readOnly.stdout).toMatch(/^HTTP\/1\.1 503 .*\{"error":"denied"\}\n$/s);
    const server = createServer((_req, res) => res.end("from the server"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const fixture = await buildFixture("host-handler");
      const target = `/fetch?url=${encodeURIComponent(origin + "/x")}`;
      const allowed = await gojinn(["run", fixture, target, "--fetch", origin, "--json"], tmp);
      expect(JSON.parse(JSON.parse(allowed.stdout).body)).toMatchObject({ status: 200, error: null, body: "from the server" });
      const denied = await gojinn(["run", fixture, target, "--json"], tmp);
      expect(JSON.parse(JSON.parse(denied.stdout).body)).toMatchObject({ status: 0, error: "denied" });
    } finally {
      server.close();
    }
  });

  test("--db, --objects and --ai-answer give data and grant; --sql, --objects-grant and --ai set the grants", async () => {
    const [sqlWasm, objectsWasm, hostWasm] = await Promise.all([
      buildFixture("sql-handler"),
      buildFixture("objects-handler"),
      buildFixture("host-handler"),
    ]);
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.run("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (42)");
    const dbFile = path.join(tmp, "run.db");
    writeFileSync(dbFile, db.export());
    const media = path.join(tmp, "run-media");
    mkdirSync(path.join(media, "u"), { recursive: true });
    writeFileSync(path.join(media, "u", "a.txt"), "hello");
    writeFileSync(path.join(media, "b.txt"), "outside");
    const body = (r: { stdout: string }): unknown => JSON.parse((JSON.parse(r.stdout) as { body: string }).body);
    const run = (wasm: string, target: string, ...args: string[]) => gojinn(["run", wasm, target, "--json", ...args], tmp);

    expect(body(await run(sqlWasm, "/query", "-d", "SELECT n FROM t", "--db", `main=${dbFile}`))).toMatchObject({
      ok: true,
      rows: [["int:42"]],
    });
    expect(body(await run(sqlWasm, "/exec", "-d", "DELETE FROM t", "--db", `main=${dbFile}`, "--sql", "main:read"))).toMatchObject({
      error: "denied",
    });
    expect(body(await run(sqlWasm, "/query", "-d", "SELECT 1 AS one", "--sql", "main"))).toMatchObject({ ok: true });
    expect(body(await run(sqlWasm, "/query", "-d", "SELECT 1 AS one"))).toMatchObject({ error: "denied" });

    expect(body(await run(objectsWasm, "/get?key=u/a.txt", "--objects", `media=${media}`))).toMatchObject({
      text: "hello",
      contentType: "text/plain; charset=utf-8",
    });
    const prefixed = ["--objects", `media=${media}`, "--objects-grant", "media:read:prefix=u/"];
    expect(body(await run(objectsWasm, "/get?key=b.txt", ...prefixed))).toMatchObject({ error: "denied" });
    expect(body(await run(objectsWasm, "/get?key=u/a.txt", ...prefixed))).toMatchObject({ text: "hello" });
    expect(body(await run(objectsWasm, "/get?key=u/a.txt", "--objects-grant", "media"))).toMatchObject({ error: "not_found" });

    expect(body(await run(hostWasm, "/chat", "-d", "hi", "--ai-answer", "canned"))).toMatchObject({ text: "canned" });
    expect(body(await run(hostWasm, "/chat", "-d", "hi", "--ai"))).toMatchObject({ error: "unavailable" });
    expect(body(await run(hostWasm, "/chat", "-d", "hi"))).toMatchObject({ error: "denied" });
    const bad = await gojinn(["run", objectsWasm, "/", "--objects-grant", "media:write"], tmp);
    expect(bad.stderr.trim()).toMatch(/^gojinn: --objects-grant "media:write": expected <store>\[:read\]\[:prefix=<prefix>\]$/);
  });

  test("prints the response as curl -i does", async () => {
    const r = await gojinn(["run", HELLO, "/x?name=Ana"], tmp);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain; charset=utf-8\r\nX-Trace-Id: .+\r\n\r\nHello, Ana!\n$/);
    expect(r.stderr).toContain('"msg":"greeting Ana"');
  });

  test("--json prints exactly one object {status, headers, body}", async () => {
    const r = await gojinn(["run", CONTRACT, "/utf8", "--json"], tmp);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      status: 200,
      headers: { "Content-Type": ["text/plain; charset=utf-8"] },
      body: "héllo wörld ✓ 😀 日本語 🎉",
    });
  });

  test("--json gives a binary body as base64 with body_encoding", async () => {
    const r = await gojinn(["run", CONTRACT, "/binary", "--json"], tmp);
    const out = JSON.parse(r.stdout);
    expect(out.body_encoding).toBe("base64");
    expect(Buffer.from(out.body, "base64")).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  });

  test("-X, -d @file, -H (replacing a default header) and --env reach the guest", async () => {
    const data = path.join(tmp, "body.json");
    writeFileSync(data, '{"a":1}');
    const r = await gojinn(
      ["run", CONTRACT, "/echo?q=1", "-X", "put", "-d", `@${data}`, "-H", "accept: text/html", "-H", "X-A: 1", "-H", "X-A: 2", "--json"],
      tmp,
    );
    expect(r.code, r.stderr).toBe(0);
    const echo = JSON.parse(JSON.parse(r.stdout).body);
    expect(echo).toMatchObject({ method: "PUT", uri: "/echo?q=1", body: '{"a":1}' });
    expect(echo.headers).toMatchObject({ Accept: ["text/html"], "X-A": ["1", "2"], "Content-Type": ["application/json"] });
    const env = await gojinn(["run", CONTRACT, "/env", "--env", "GREETING=hi there", "--json"], tmp);
    expect(JSON.parse(JSON.parse(env.stdout).body)).toEqual({ greeting: "hi there", args: ["handler.wasm"] });
  });

  test("a failing guest prints the 502 the client would get, the reason on stderr, exit 1", async () => {
    const r = await gojinn(["run", CONTRACT, "/trap"], tmp);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(r.stderr).toMatch(/^gojinn: trap: the guest trapped: unreachable in assembly\/index\/main <- _start$/m);
  });

  test("--timeout stops an endless guest: 504", async () => {
    const r = await gojinn(["run", CONTRACT, "/loop", "--timeout", "300"], tmp);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 504 Gateway Timeout/);
  });
});

describe("check", () => {
  test("a module with a foreign import and no _start or memory fails every point", async () => {
    const file = path.join(tmp, "foreign.wasm");
    writeFileSync(file, FOREIGN_IMPORT_MODULE);
    const r = await gojinn(["check", file], tmp);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL  imports: not allowed: env.f");
    expect(r.stdout).toContain("FAIL  _start: not exported");
    expect(r.stdout).toContain("FAIL  memory: no exported memory");
    expect(r.stdout).toContain("FAIL: 3 of 3 checks failed");
  });

  test("gojinn imports: the host functions pass; another name or signature fails, named", async () => {
    const counter = fileURLToPath(new URL("../../examples/counter-as/build/handler.wasm", import.meta.url));
    const ok = await gojinn(["check", counter], tmp);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toContain("ok    imports: only wasi_snapshot_preview1 (proc_exit, fd_write, fd_read) and gojinn (kv_increment)");
    const bad = await gojinn(["check", wat("wrong-host-signature")], tmp);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      "FAIL  imports: gojinn.kv_delete: imported as (i32, i32, i32) -> i32, the host's is (i32, i32, i32, i32) -> i32\n",
    );
    const unknown = await gojinn(["check", wat("unknown-host-function")], tmp);
    expect(unknown.stdout).toContain("FAIL  imports: gojinn.kv_frobnicate: not a host function of this ABI");
  });

  test("a handler built by the SDK passes", async () => {
    const r = await gojinn(["check", HELLO], tmp);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ok    imports: only wasi_snapshot_preview1");
  });
});

describe("errors are one clear line, non-zero exit, no stack trace", () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ["run: missing file", () => ["run", path.join(tmp, "nope.wasm")], /^gojinn: .*nope\.wasm: no such file$/],
    ["check: missing file", () => ["check", path.join(tmp, "nope.wasm")], /^gojinn: .*nope\.wasm: no such file$/],
    ["check: invalid wasm", () => ["check", path.join(tmp, "text.wasm")], /^gojinn: .*text\.wasm: not a valid WebAssembly module/],
    ["run: invalid wasm", () => ["run", path.join(tmp, "text.wasm")], /^gojinn: .*text\.wasm: not a valid WebAssembly module/],
    ["check: empty file", () => ["check", path.join(tmp, "empty.wasm")], /^gojinn: .*empty\.wasm: empty file/],
    ["run: invalid JSON data", () => ["run", HELLO, "-d", "{bad"], /^gojinn: invalid JSON data/],
    [
      "run: invalid JSON data with an explicit Content-Type",
      () => ["run", HELLO, "-d", "x", "-H", "Content-Type: application/json"],
      /^gojinn: invalid JSON data/,
    ],
    ["run: -d @missing", () => ["run", HELLO, "-d", "@/nonexistent/body"], /^gojinn: -d @\/nonexistent\/body: no such file$/],
    ["run: bad target", () => ["run", HELLO, "users"], /^gojinn: "users": the target must be a path/],
    ["run: bad header", () => ["run", HELLO, "-H", "nocolon"], /^gojinn: -H "nocolon": expected 'Name: value'$/],
    [
      "init: unknown template",
      () => ["init", path.join(tmp, "x"), "--template", "nope"],
      /^gojinn: unknown template "nope" \(choose one of: hello, json-api, router, kv\)$/,
    ],
    ["build: missing entry", () => ["build", path.join(tmp, "missing.ts")], /^gojinn: .*missing\.ts: no such file/],
  ];

  beforeAll(() => {
    writeFileSync(path.join(tmp, "text.wasm"), "this is not wasm");
    writeFileSync(path.join(tmp, "empty.wasm"), EMPTY_MODULE.subarray(0, 0));
  });

  test.each(cases)("%s", async (_, args, message) => {
    const r = await gojinn(args(), tmp);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(hasNoStackTrace(r.stderr)).toBe(true);
  });

  test("init into a non-empty directory", async () => {
    const dir = path.join(tmp, "full");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "x"), "");
    const r = await gojinn(["init", dir], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^gojinn: .*full: directory exists and is not empty$/);
  });

  test("build: a type error fails with asc's diagnostics, not an empty module", async () => {
    const dir = path.join(tmp, "broken");
    mkdirSync(path.join(dir, "assembly"), { recursive: true });
    writeFileSync(
      path.join(dir, "assembly", "index.ts"),
      'import { serve, Request, Response } from "gojinn";\nfunction h(req: Request): Response { return 42; }\nserve(h);\n',
    );
    const r = await gojinn(["build"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gojinn: build failed: 1 compile error\(s\)$/m);
    expect(r.stderr).toContain("in assembly/index.ts(2,");
    expect(r.stderr).not.toContain("gojinn-entry");
    expect(existsSync(path.join(dir, "build", "handler.wasm"))).toBe(false);
    expect(hasNoStackTrace(r.stderr)).toBe(true);
  });
});

describe("a project from gojinn init passes npm install && npx gojinn build && npm test", () => {
  // hello as the simplest; kv because its tests give the harness stores and grants.
  test.each([
    ["hello", 3],
    ["kv", 6],
  ])(
    "template %s, installing the SDK from this checkout",
    async (template, tests) => {
      const dir = path.join(tmp, `full-flow-${template}`);
      expect((await gojinn(["init", dir, "--template", String(template)], tmp)).code).toBe(0);
      const install = await runCommand("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], dir);
      expect(install.code, install.stderr).toBe(0);
      const build = await runCommand("npx", ["--no-install", "gojinn", "build"], dir);
      expect(build.code, build.stderr).toBe(0);
      const test = await runCommand("npm", ["test"], dir);
      expect(test.code, test.stdout + test.stderr).toBe(0);
      expect(test.stdout).toMatch(new RegExp(`Tests\\s+${tests} passed`));
    },
    300_000,
  );
});
