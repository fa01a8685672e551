// gojinn/testing: the parts of the harness the contract vectors do not show.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { buildRequest, decodeResponse, invoke, parseLogs, OUTCOMES } from "../dist/testing/index.js";
import { FOREIGN_IMPORT_MODULE } from "./wasm-bytes.js";

const CONTRACT = fileURLToPath(new URL("../../contract/handler/build/handler.wasm", import.meta.url));
const enc = (s: string) => new TextEncoder().encode(s);

describe("invoke", () => {
  test("takes a path, bytes or a compiled module", async () => {
    const bytes = new Uint8Array(readFileSync(CONTRACT));
    const module = await WebAssembly.compile(bytes);
    for (const wasm of [CONTRACT, bytes, module]) {
      expect((await invoke(wasm, { uri: "/status/201" })).status).toBe(201);
    }
  });

  test("drops hop-by-hop headers as the host does", async () => {
    const res = await invoke(CONTRACT, { uri: "/headers" });
    expect(res.headers["Connection"]).toBeUndefined();
    expect(res.headers["X-Multi"]).toEqual(["a", "b"]);
  });

  test("passes args after argv[0]", async () => {
    const res = await invoke(CONTRACT, { uri: "/env" }, { args: ["--flag", "v"], env: { GREETING: "g" } });
    expect(JSON.parse(res.body)).toEqual({ greeting: "g", args: ["handler.wasm", "--flag", "v"] });
  });

  test("a failure carries outcome, reason, exit code and the guest's stderr", async () => {
    const res = await invoke(CONTRACT, { uri: "/exit/7" });
    expect(res).toMatchObject({
      status: 502,
      outcome: "exit_error",
      exitCode: 7,
      body: "Bad Gateway",
      reason: "the guest exited with code 7",
    });
    const thrown = await invoke(CONTRACT, { uri: "/throw" });
    expect(thrown.logs[0]?.msg).toMatch(/^handler failed: thrown on purpose at assembly\/index\.ts:\d+:5$/);
  });

  test("the output limit stops the guest as soon as it is passed", async () => {
    const res = await invoke(CONTRACT, { uri: "/big" }, { maxOutputBytes: 1000 });
    expect(res.outcome).toBe("output_limit");
    expect(res.stdout.length).toBeLessThanOrEqual(1000);
  });

  test("a module that imports what the host lacks fails as a trap, not an exception", async () => {
    const res = await invoke(FOREIGN_IMPORT_MODULE, {});
    expect(res.outcome).toBe("trap");
    expect(res.status).toBe(502);
  });

  test("a missing file rejects with a one-line error", async () => {
    await expect(invoke("/nonexistent/handler.wasm", {})).rejects.toThrow("/nonexistent/handler.wasm: no such file");
  });

  test("a 5 MB body round-trips through the SDK", async () => {
    const body = "a".repeat(5 * 1000 * 1000);
    const res = await invoke(CONTRACT, { method: "POST", uri: "/echo-bytes", body }, { maxOutputBytes: 10_000_000 });
    expect(res.outcome).toBe("ok");
    expect(res.bodyBytes.length).toBe(body.length);
    // --runtime stub never frees: a 5 MB body costs ~8x its size in linear
    // memory (UTF-16 copies, base64), well under the host's 128 MB default.
    expect(res.memoryBytes).toBeLessThan(128 * 1000 * 1000);
    console.log(`5 MB echo: ${(res.memoryBytes / 1e6).toFixed(1)} MB of linear memory, ${res.durationMs.toFixed(0)} ms`);
  });
});

describe("buildRequest", () => {
  test("defaults: GET /, empty body, a traceparent, host, remote address, HTTP/1.1", () => {
    const req = buildRequest();
    expect(req).toMatchObject({
      method: "GET",
      uri: "/",
      headers: {},
      body: "",
      host: "localhost",
      remote_addr: "127.0.0.1:40000",
      proto: "HTTP/1.1",
    });
    expect(req.trace_id).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(req.body_encoding).toBeUndefined();
  });

  test("header names are canonicalized and merged; single values become arrays", () => {
    const req = buildRequest({ headers: { "content-type": "a", "CONTENT-TYPE": ["b"], "x-y": ["1", "2"] } });
    expect(req.headers).toEqual({ "Content-Type": ["a", "b"], "X-Y": ["1", "2"] });
  });

  test("a byte body is text when it is UTF-8, else base64", () => {
    expect(buildRequest({ body: enc("é") })).toMatchObject({ body: "é" });
    expect(buildRequest({ body: new Uint8Array([0xff]) })).toMatchObject({ body: "/w==", body_encoding: "base64" });
  });
});

describe("decodeResponse follows the host's rules (sandbox/response.go)", () => {
  test.each([
    ['{"status":200}', { status: 200 }],
    [' \n{"status":201,"headers":{"A":["1","2"]},"body":"x"}\n ', { status: 201, headers: { A: ["1", "2"] }, body: "x" }],
    ['{"status":200,"body":"aGk=","body_encoding":"base64"}', { status: 200, body: "aGk=", body_encoding: "base64" }],
    ['{"status":200,"body_encoding":""}', { status: 200 }],
    ['{"status":200,"headers":null,"body":null,"extra":1}', { status: 200 }],
    ['{"status":100}', { status: 100 }],
    ['{"status":599}', { status: 599 }],
  ])("accepts %s", (out, response) => {
    expect(decodeResponse(enc(out))).toEqual({ ok: true, response });
  });

  test.each([
    ["", "the guest wrote nothing to stdout"],
    ["   ", "the guest wrote nothing to stdout"],
    ['x{"status":200}', "stdout does not start with a JSON object"],
    ['[{"status":200}]', "stdout does not start with a JSON object"],
    ['{"status":200}{"status":200}', "stdout is not exactly one valid JSON object"],
    ['{"status":200', "stdout is not exactly one valid JSON object"],
    ["{}", 'the response has no "status"'],
    ['{"status":"200"}', '"status" is not an integer'],
    ['{"status":200.5}', '"status" is not an integer'],
    ['{"status":99}', '"status" 99 is outside 100..599'],
    ['{"status":600}', '"status" 600 is outside 100..599'],
    ['{"status":200,"headers":[]}', '"headers" is not an object'],
    ['{"status":200,"headers":{"A":"b"}}', 'header "A" is not an array of strings'],
    ['{"status":200,"headers":{"A":[1]}}', 'header "A" is not an array of strings'],
    ['{"status":200,"body":5}', '"body" is not a string'],
    ['{"status":200,"body":"x","body_encoding":"hex"}', 'unknown "body_encoding" "hex"'],
    ['{"status":200,"body":"abc","body_encoding":"base64"}', '"body" is not valid base64'],
  ])("rejects %j", (out, reason) => {
    const decoded = decodeResponse(enc(out));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toContain(reason);
  });

  test("rejects stdout that is not UTF-8", () => {
    expect(decodeResponse(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual({ ok: false, reason: "stdout is not valid UTF-8" });
  });
});

describe("parseLogs", () => {
  test("keeps JSON lines with a known level and a msg; skips the rest", () => {
    const stderr = [
      '{"level":"info","msg":"a","trace_id":"t","n":1}',
      "plain text",
      '{"level":"fatal","msg":"x"}',
      '{"msg":"no level"}',
      "{broken",
      '{"level":"warn","msg":"b"}',
    ].join("\n");
    expect(parseLogs(stderr)).toEqual([
      { level: "info", msg: "a", trace_id: "t", n: 1 },
      { level: "warn", msg: "b" },
    ]);
  });
});

test("OUTCOMES lists the contract's labels in order", () => {
  expect(OUTCOMES).toEqual(["ok", "contract_error", "exit_error", "trap", "timeout", "output_limit"]);
});
