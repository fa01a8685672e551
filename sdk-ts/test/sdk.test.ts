// The AssemblyScript SDK, compiled into test/fixtures/sdk-handler and run
// through the harness: every Request, Response, Router and log feature.
import { beforeAll, describe, expect, test } from "vitest";
import { invoke } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";

let wasm = "";
beforeAll(async () => {
  wasm = await buildFixture("sdk-handler");
});

const json = (body: string): unknown => JSON.parse(body);

describe("Request", () => {
  test("method, uri, path, query, headers, body, trace id, host, proto", async () => {
    const res = await invoke(wasm, {
      method: "POST",
      uri: "/report/?a=1&a=caf%C3%A9&b=x+y",
      headers: { "content-type": "text/plain", "X-Tag": ["1", "2"] },
      body: "héllo 😀",
      trace_id: "t-1",
      host: "example.com:8080",
      remote_addr: "10.0.0.1:5000",
      proto: "HTTP/2.0",
    });
    expect(res.outcome).toBe("ok");
    expect(json(res.body)).toEqual({
      method: "POST",
      uri: "/report/?a=1&a=caf%C3%A9&b=x+y",
      path: "/report/",
      rawPath: "/report/",
      rawQuery: "a=1&a=caf%C3%A9&b=x+y",
      queryA: "1",
      queryAllA: ["1", "café"],
      queryMissing: null,
      contentType: "text/plain",
      tagAll: ["1", "2"],
      headerMissing: null,
      missingAll: [],
      text1: "héllo 😀",
      text2: "héllo 😀",
      bytes1: 11,
      bytes2: 11,
      traceId: "t-1",
      host: "example.com:8080",
      remoteAddr: "10.0.0.1:5000",
      proto: "HTTP/2.0",
    });
  });

  test("path is percent-decoded, rawPath is not", async () => {
    const res = await invoke(wasm, { uri: "/mounted/report?x" });
    expect(json(res.body)).toMatchObject({ path: "/mounted/report", rawQuery: "x", queryA: null });
  });

  test("a binary body: bytes() decodes base64, text() decodes UTF-8", async () => {
    const body = new Uint8Array([0, 255, 128, 1]);
    const res = await invoke(wasm, { method: "POST", uri: "/bytes", body });
    expect(Array.from(res.bodyBytes)).toEqual([0, 255, 128, 1]);
    expect(res.headers["Content-Type"]).toEqual(["application/x-test"]);
    const r2 = await invoke(wasm, { method: "POST", uri: "/report", body });
    expect(json(r2.body)).toMatchObject({ bytes1: 4, bytes2: 4 });
  });

  test("json<T>() parses with json-as, any number of times", async () => {
    const res = await invoke(wasm, { method: "POST", uri: "/item", body: '{"name":"n 😀","tags":["a","b"],"count":0,"extra":{"x":[1]}}' });
    expect(res.status).toBe(201);
    expect(json(res.body)).toEqual({ name: "n 😀", tags: ["a", "b"], count: 4 });
  });
});

describe("Response", () => {
  test("setHeader replaces (any case), appendHeader adds, deleteHeader removes, status is mutable", async () => {
    const res = await invoke(wasm, { uri: "/headers" });
    expect(res.status).toBe(203);
    expect(res.headers).toEqual({
      "Content-Type": ["text/plain; charset=utf-8"],
      "X-Set": ["2"],
      "X-Append": ["a", "b"],
      "X-Read": ["a"],
    });
  });

  test("empty() is a 204 without body; redirect() sets Location", async () => {
    const empty = await invoke(wasm, { uri: "/empty" });
    expect(empty.status).toBe(204);
    expect(empty.stdout.length).toBeGreaterThan(0);
    const redirect = await invoke(wasm, { uri: "/redirect" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers["Location"]).toEqual(["/elsewhere"]);
  });

  test.each([
    ['"', '"'],
    ["\\", "\\"],
    ["\n", "\n"],
    ["\u0001", "\u0001"],
    ["\u007f", "\u007f"],
    ["é", "é"],
    ["日", "日"],
    ["😀", "😀"],
    ["\ud800", "\ufffd"],
    ["\udc00x", "\ufffdx"],
  ])("the response JSON carries %j at every offset of the writer's steps", async (s, want) => {
    let body = "";
    let expected = "";
    for (let n = 0; n <= 70; n++) {
      body += "x".repeat(n) + s;
      expected += "x".repeat(n) + want;
    }
    const res = await invoke(wasm, { method: "POST", uri: "/echo", body });
    expect(res.outcome).toBe("ok");
    expect(res.body).toBe(expected);
  });

  test("a large body survives both ways (1 MB of UTF-8 with escapes)", async () => {
    const body = 'ünïcödé "quoted" \\ 😀\n'.repeat(40_000);
    const res = await invoke(wasm, { method: "POST", uri: "/echo", body });
    expect(res.outcome).toBe("ok");
    expect(res.body).toBe(body);
  });
});

describe("serve", () => {
  test("a handler that aborts (index out of range) answers 500 and logs the error", async () => {
    const res = await invoke(wasm, { uri: "/throws", trace_id: "t-9" });
    expect(res.outcome).toBe("ok");
    expect(res.status).toBe(500);
    expect(res.body).toBe("Internal Server Error");
    expect(res.logs).toHaveLength(1);
    expect(res.logs[0]).toMatchObject({ level: "error", trace_id: "t-9" });
    expect(res.logs[0]!.msg).toMatch(/^handler failed: Index out of range at .+:\d+:\d+$/);
  });
});

describe("log", () => {
  test("one JSON line per call with level, msg and trace id", async () => {
    const res = await invoke(wasm, { uri: "/log", trace_id: "t-2" });
    expect(res.logs).toEqual([
      { level: "debug", msg: "d", trace_id: "t-2" },
      { level: "info", msg: "i", trace_id: "t-2" },
      { level: "warn", msg: "w", trace_id: "t-2" },
      { level: "error", msg: 'e "q"\n', trace_id: "t-2" },
    ]);
    expect(res.stderr.split("\n").filter(Boolean)).toHaveLength(4);
  });
});

describe("Router", () => {
  test.each(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])("%s /m/:id reaches the %s route", async (method) => {
    const res = await invoke(wasm, { method, uri: "/m/a%2Fb" });
    expect(res.status).toBe(200);
    expect(res.body).toBe(`${method} a/b`);
  });

  test("HEAD /m/:id reaches the HEAD route (no body sent)", async () => {
    const res = await invoke(wasm, { method: "HEAD", uri: "/m/1" });
    expect(res.status).toBe(200);
    expect(new TextDecoder().decode(res.stdout)).toContain("HEAD 1");
  });

  test("HEAD falls back to GET; OPTIONS answers 204 with Allow; other methods 405 with Allow", async () => {
    const head = await invoke(wasm, { method: "HEAD", uri: "/only-get/1" });
    expect(head.status).toBe(200);
    expect(new TextDecoder().decode(head.stdout)).toContain("HEAD 1");
    const options = await invoke(wasm, { method: "OPTIONS", uri: "/only-get/1" });
    expect(options.status).toBe(204);
    expect(options.headers["Allow"]).toEqual(["GET, HEAD, OPTIONS"]);
    const put = await invoke(wasm, { method: "PUT", uri: "/only-get/1" });
    expect(put.status).toBe(405);
    expect(put.headers["Allow"]).toEqual(["GET, HEAD, OPTIONS"]);
  });

  test("all() matches every method; * captures the rest of the path", async () => {
    expect((await invoke(wasm, { method: "PATCH", uri: "/any/z" })).body).toBe("PATCH z");
    expect((await invoke(wasm, { uri: "/files/a/b%20c.txt" })).body).toBe("a/b c.txt");
  });

  test("stripPrefix: routes match with and without the prefix; notFound replaces the 404", async () => {
    expect((await invoke(wasm, { uri: "/mounted/m/3" })).body).toBe("GET 3");
    expect((await invoke(wasm, { uri: "/m/3/" })).body).toBe("GET 3");
    const missing = await invoke(wasm, { uri: "/mounted-not/m/3" });
    expect(missing.status).toBe(404);
    expect(missing.body).toBe("custom 404 for /mounted-not/m/3");
  });
});

describe("helpers", () => {
  test.each([
    ["", ""],
    ["Zg==", "Zg=="],
    ["Zm8=", "Zm8="],
    ["Zm9v", "Zm9v"],
    ["AP+A/w==", "AP+A/w=="],
  ])("base64 %j round-trips", async (input, want) => {
    const res = await invoke(wasm, { method: "POST", uri: "/base64", body: input });
    expect(res.body).toBe(want);
  });

  test.each(["Zg=", "Z===", "Zm9v!A==", "Zg==Zg=="])("base64 %j is rejected", async (input) => {
    expect((await invoke(wasm, { method: "POST", uri: "/base64", body: input })).status).toBe(400);
  });

  test.each([
    ["content-type", "Content-Type"],
    ["x-foo-BAR", "X-Foo-Bar"],
    ["ETAG", "Etag"],
    ["bad name", "bad name"],
  ])("canonicalHeaderName(%j) = %j", async (name, want) => {
    expect((await invoke(wasm, { uri: `/canonical?name=${encodeURIComponent(name)}` })).body).toBe(want);
  });

  test.each([
    ['{"a":1}', "valid"],
    ["[1, 2]", "valid"],
    ["{a:1}", "invalid"],
    ['{"a":1}x', "invalid"],
    ["", "invalid"],
  ])("isValidJson(%j)", async (body, want) => {
    expect((await invoke(wasm, { method: "POST", uri: "/valid", body })).body).toBe(want);
  });
});
