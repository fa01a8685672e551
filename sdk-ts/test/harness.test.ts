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
    ['{"status":200,"headers":null,"body":null,"extra":{"a":1,"a":[2]}}', { status: 200 }],
    [
      '{"status":200,"headers":{"content-TYPE":["a\\tb"],"x-n":null,"E":[]}}',
      { status: 200, headers: { "Content-Type": ["a\tb"], E: [] } },
    ],
    ['{"status":200,"headers":{"__proto__":["x"]}}', { status: 200, headers: JSON.parse('{"__proto__":["x"]}') }],
    ['{"st\\u0061tus":200,"body":"\\ud83d\\ude00\\ud83dA\\ude00"}', { status: 200, body: "😀\ufffdA\ufffd" }],
    ['{"status":599}', { status: 599 }],
  ])("accepts %s", (out, response) => {
    expect(decodeResponse(enc(out))).toEqual({ ok: true, response });
  });

  test.each([
    ["", "the guest wrote nothing to stdout"],
    [" \r\n\t", "the guest wrote nothing to stdout"],
    ["\u00a0{}", "stdout does not start with a JSON object"],
    ["\ufeff{}", "stdout does not start with a JSON object"],
    ['x{"status":200}', "stdout does not start with a JSON object"],
    ['[{"status":200}]', "stdout does not start with a JSON object"],
    ['{"status":200}{"status":200}', "stdout has more after the response object"],
    ['{"status":200}\f', "stdout has more after the response object"],
    ['{"status":200', "stdout is not a valid response object"],
    ['{"status":200,"x":[1,]}', "stdout is not a valid response object"],
    ['{"status":200,"body":"\\x"}', "invalid escape"],
    ['{"status":200,"body":"\t"}', "control character in a string"],
    ["{}", 'the response has no "status"'],
    ['{"status":null}', 'the response has no "status"'],
    ['{"status":"200"}', '"status" must be an integer, got a string'],
    ['{"status":200.5}', '"status" must be an integer literal'],
    ['{"status":200.0}', '"status" must be an integer literal'],
    ['{"status":2e2}', '"status" must be an integer literal'],
    ['{"status":200,"status":500}', 'the response has "status" twice'],
    ['{"status":99}', '"status" 99 is not a final status (200..599)'],
    ['{"status":101}', '"status" 101 is not a final status (200..599)'],
    ['{"status":600}', '"status" 600 is not a final status (200..599)'],
    ['{"status":-200}', '"status" -200 is not a final status (200..599)'],
    ['{"status":200,"headers":[]}', '"headers" must be an object, got an array'],
    ['{"status":200,"headers":{"A":"b"}}', 'header "A" must be an array of strings, got a string'],
    ['{"status":200,"headers":{"A":[1]}}', 'header "A" must be an array of strings, has a number'],
    ['{"status":200,"headers":{"A":["1"],"a":["2"]}}', 'header "A" is given twice'],
    ['{"status":200,"headers":{":status":["1"]}}', 'header ":status": the name is not an HTTP field name'],
    [
      '{"status":200,"headers":{"x-a":["ok","a\\r\\nb"]}}',
      'header "X-A": value 2 is not an HTTP field value (RFC 9110): control character 0x0d',
    ],
    ['{"status":200,"headers":{"A":[" x"]}}', "white space at its start or end"],
    ['{"status":200,"body":5}', '"body" must be a string, got a number'],
    ['{"status":200,"body":"x","body_encoding":"hex"}', 'unknown "body_encoding" "hex"'],
    ['{"status":200,"body_encoding":"hex"}', 'unknown "body_encoding" "hex"'],
    ['{"status":200,"body":"abc","body_encoding":"base64"}', '"body" is not valid base64'],
  ])("rejects %j", (out, reason) => {
    const decoded = decodeResponse(enc(out));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toContain(reason);
  });

  test("rejects stdout that is not UTF-8", () => {
    expect(decodeResponse(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual({ ok: false, reason: "stdout is not valid UTF-8" });
  });

  test("checks a value nested as deep as allowed, not deeper", () => {
    const nested = (n: number) => enc(`{"status":200,"x":${"[".repeat(n)}${"]".repeat(n)}}`);
    expect(decodeResponse(nested(127)).ok).toBe(true);
    expect(decodeResponse(nested(128))).toEqual({ ok: false, reason: "stdout is not a valid response object: nested more than 128 deep" });
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
  expect(OUTCOMES).toEqual(["ok", "contract_error", "exit_error", "trap", "timeout", "output_limit", "fuel_exhausted"]);
});
