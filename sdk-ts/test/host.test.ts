// The SDK's kv, fetch and queue (assembly/kv.ts, fetch.ts, queue.ts), compiled into
// test/fixtures/host-handler, against the harness's host functions
// (src/testing/host/): every call, its failures in the ABI's words, values
// larger than the SDK's first buffer, paging, grants and the allow-list.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { invoke, STATUS_NAMES, type InvokeOptions } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";
import { wat } from "./wat.js";

let wasm = "";
beforeAll(async () => {
  wasm = await buildFixture("host-handler");
});

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;
const granted: InvokeOptions = { kv: { s: { a: "1", b: "hello" } }, grants: { kv: ["s"] } };
const post = (uri: string, body = "") => ({ method: "POST", uri, body });

test("the SDK names every status as docs/host-abi.md does; an unknown code is io_error", async () => {
  const res = await invoke(wasm, { uri: "/status-names" });
  expect(JSON.parse(res.body)).toEqual(["io_error", ...STATUS_NAMES, "io_error", "io_error"]);
});

describe("kv", () => {
  test("get: value and revision; absent is not_found; a store not granted is denied", async () => {
    expect(json((await invoke(wasm, { uri: "/kv/get?key=b" }, granted)).body)).toMatchObject({
      ok: true,
      value: "hello",
      revision: 2,
      error: null,
    });
    expect(json((await invoke(wasm, { uri: "/kv/get-text?key=a" }, granted)).body)).toMatchObject({ ok: true, value: "1", revision: 1 });
    expect(json((await invoke(wasm, { uri: "/kv/get?key=zz" }, granted)).body)).toMatchObject({
      ok: false,
      value: null,
      error: "not_found",
    });
    const denied = await invoke(wasm, { uri: "/kv/get?store=other&key=b" }, { ...granted, kv: { other: { b: "x" } } });
    expect(json(denied.body)).toMatchObject({ ok: false, error: "denied" });
    const none = await invoke(wasm, { uri: "/kv/get?key=b" }, { kv: granted.kv });
    expect(json(none.body)).toMatchObject({ ok: false, error: "denied" });
  });

  test("set writes (text and bytes) and the result shows the stores after the run", async () => {
    const res = await invoke(wasm, post("/kv/set-text?key=c", "héllo ✓"), granted);
    expect(json(res.body)).toMatchObject({ ok: true, revision: 3, error: null });
    expect(res.kv).toEqual({ s: { a: "1", b: "hello", c: "héllo ✓" } });
    const bytes = new Uint8Array([0, 255, 1, 254]);
    const bin = await invoke(wasm, { method: "POST", uri: "/kv/set?key=bin", body: bytes }, granted);
    expect(bin.kvBytes["s"]!["bin"]).toEqual(bytes);
    const back = await invoke(wasm, { uri: "/kv/get-bytes?key=bin" }, { kv: { s: { bin: bytes } }, grants: { kv: ["s"] } });
    expect(back.bodyBytes).toEqual(bytes);
  });

  test("values larger than the SDK's first buffer come back whole (buffer_too_small, then a retry)", async () => {
    for (const size of [1023, 1024, 1025, 200_000]) {
      const value = "0123456789abcdef".repeat(size / 16 + 1).slice(0, size);
      const res = await invoke(wasm, { uri: "/kv/get?key=big" }, { kv: { s: { big: value } }, grants: { kv: ["s"] } });
      const got = json(res.body);
      expect((got["value"] as string).length, `size ${size}`).toBe(size);
      expect(got["value"]).toBe(value);
    }
  });

  test("a read-only grant reads but every write is denied and changes nothing", async () => {
    const ro: InvokeOptions = { kv: { s: { a: "1" } }, grants: { kv: { s: "read" } } };
    expect(json((await invoke(wasm, { uri: "/kv/get?key=a" }, ro)).body)).toMatchObject({ ok: true, value: "1" });
    for (const uri of ["/kv/set?key=a", "/kv/create?key=n", "/kv/update?key=a&rev=1", "/kv/delete?key=a", "/kv/increment?key=a"]) {
      const res = await invoke(wasm, post(uri, "v"), ro);
      expect(json(res.body), uri).toMatchObject({ ok: false, error: "denied" });
      expect(res.kv).toEqual({ s: { a: "1" } });
    }
  });

  test("a value over kvMaxValue is too_large; a key over 1,024 bytes too_large; an empty key invalid", async () => {
    const small = { ...granted, kvMaxValue: 10 };
    expect(json((await invoke(wasm, post("/kv/set?key=k", "0123456789"), small)).body)).toMatchObject({ ok: true });
    expect(json((await invoke(wasm, post("/kv/set?key=k", "0123456789a"), small)).body)).toMatchObject({ ok: false, error: "too_large" });
    expect(json((await invoke(wasm, post(`/kv/set?key=${"k".repeat(1024)}`, "v"), granted)).body)).toMatchObject({ ok: true });
    expect(json((await invoke(wasm, post(`/kv/set?key=${"k".repeat(1025)}`, "v"), granted)).body)).toMatchObject({ error: "too_large" });
    expect(json((await invoke(wasm, post("/kv/set?key=", "v"), granted)).body)).toMatchObject({ error: "invalid" });
    expect(json((await invoke(wasm, { uri: "/kv/get?store=bad.name&key=a" }, granted)).body)).toMatchObject({ error: "invalid" });
  });

  test("create only when absent (exists); update only at the revision read (conflict, not_found)", async () => {
    expect(json((await invoke(wasm, post("/kv/create?key=b", "new"), granted)).body)).toMatchObject({ ok: false, error: "exists" });
    const created = await invoke(wasm, post("/kv/create?key=n", "new"), granted);
    expect(json(created.body)).toMatchObject({ ok: true, revision: 3 });
    expect(created.kv["s"]!["n"]).toBe("new");
    expect(json((await invoke(wasm, post("/kv/update?key=b&rev=1", "x"), granted)).body)).toMatchObject({ ok: false, error: "conflict" });
    expect(json((await invoke(wasm, post("/kv/update?key=zz&rev=1", "x"), granted)).body)).toMatchObject({ ok: false, error: "not_found" });
    const updated = await invoke(wasm, post("/kv/update?key=b&rev=2", "x"), granted);
    expect(json(updated.body)).toMatchObject({ ok: true, revision: 3 });
    expect(updated.kv["s"]!["b"]).toBe("x");
    const cas = await invoke(wasm, post("/kv/cas?key=b"), granted);
    expect(json(cas.body)).toMatchObject({ ok: true, revision: 3 });
    expect(cas.kv["s"]!["b"]).toBe("hello+");
  });

  test("delete: ok also when absent", async () => {
    const res = await invoke(wasm, post("/kv/delete?key=a"), granted);
    expect(json(res.body)).toMatchObject({ ok: true, error: null });
    expect(res.kv).toEqual({ s: { b: "hello" } });
    expect(json((await invoke(wasm, post("/kv/delete?key=zz"), granted)).body)).toMatchObject({ ok: true });
  });

  test("increment: absent counts as 0, stored as decimal; not a number or an overflow is invalid", async () => {
    const res = await invoke(wasm, post("/kv/increment?key=a&by=41"), granted);
    expect(json(res.body)).toMatchObject({ ok: true, count: 42 });
    expect(res.kv["s"]!["a"]).toBe("42");
    const fresh = await invoke(wasm, post("/kv/increment?key=new&by=-3"), granted);
    expect(json(fresh.body)).toMatchObject({ ok: true, count: -3 });
    expect(fresh.kv["s"]!["new"]).toBe("-3");
    expect(json((await invoke(wasm, post("/kv/increment?key=b"), granted)).body)).toMatchObject({ ok: false, count: 0, error: "invalid" });
    const max = { kv: { s: { m: "9223372036854775807" } }, grants: { kv: ["s"] } };
    const over = await invoke(wasm, post("/kv/increment?key=m"), max);
    expect(json(over.body)).toMatchObject({ ok: false, error: "invalid" });
    expect(over.kv["s"]!["m"]).toBe("9223372036854775807");
  });

  test("keys: every page, in byte order, by prefix; a read-only grant lists", async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) many[`k${String(i).padStart(4, "0")}`] = "v";
    many["é"] = "v";
    many["z"] = "v";
    const all = await invoke(wasm, { uri: "/kv/keys" }, { kv: { s: many }, grants: { kv: { s: "read" } } });
    const keys = json(all.body)["keys"] as string[];
    expect(keys.length).toBe(2502);
    expect(keys.slice(0, 2)).toEqual(["k0000", "k0001"]);
    expect(keys.slice(-3)).toEqual(["k2499", "z", "é"]);
    const some = await invoke(wasm, { uri: "/kv/keys?prefix=k12" }, { kv: { s: many }, grants: { kv: ["s"] } });
    expect((json(some.body)["keys"] as string[]).length).toBe(100);
    const denied = await invoke(wasm, { uri: "/kv/keys?store=t" }, { kv: { s: many }, grants: { kv: ["s"] } });
    expect(json(denied.body)).toMatchObject({ keys: [], error: "denied" });
  });

  test("keys whose page exceeds the SDK's first buffer (64 KiB of keys per page)", async () => {
    const long: Record<string, string> = {};
    for (let i = 0; i < 300; i++) long[`${String(i).padStart(3, "0")}${"x".repeat(1000)}`] = "v";
    const res = await invoke(wasm, { uri: "/kv/keys" }, { kv: { s: long }, grants: { kv: ["s"] } });
    expect(json(res.body)["keys"]).toEqual(Object.keys(long));
  });
});

describe("fetch", () => {
  const api: InvokeOptions = {
    grants: { fetch: ["https://api.example.com", "https://*.example.org", "http://127.0.0.1:9000"] },
    fetch: (req) => ({ status: 201, headers: { "content-type": "text/plain", "X-Multi": ["a", "b"] }, body: `${req.method} ${req.url}` }),
  };

  test("an allowed call: status, headers, body; the request as the host sends it", async () => {
    const res = await invoke(
      wasm,
      { method: "POST", uri: "/fetch?url=https://api.example.com/v1?q=1&method=PUT", headers: { "X-Send": "s" }, body: "payload" },
      api,
    );
    expect(json(res.body)).toEqual({
      status: 201,
      error: null,
      contentType: "text/plain",
      headers: { "Content-Type": ["text/plain"], "X-Multi": ["a", "b"] },
      body: "PUT https://api.example.com/v1?q=1",
      bodyLength: 34,
    });
    expect(res.fetches).toHaveLength(1);
    expect(res.fetches[0]).toMatchObject({
      method: "PUT",
      url: "https://api.example.com/v1?q=1",
      status: "ok",
      headers: { "X-Sent": ["s", "2"] },
    });
    expect(new TextDecoder().decode(res.fetches[0]!.body)).toBe("payload");
    expect(res.fetches[0]!.response!.status).toBe(201);
  });

  test("the allow-list: scheme, host, port; *. matches whole labels only", async () => {
    const cases: Array<[string, string]> = [
      ["https://api.example.com/x", "ok"],
      ["https://API.example.com:443/x", "ok"],
      ["http://api.example.com/x", "denied"],
      ["https://api.example.com:8443/x", "denied"],
      ["https://example.com/x", "denied"],
      ["https://a.example.org/x", "ok"],
      ["https://a.b.example.org/x", "ok"],
      ["https://example.org/x", "denied"],
      ["https://badexample.org/x", "denied"],
      ["http://127.0.0.1:9000/x", "ok"],
      ["http://127.0.0.1/x", "denied"],
      ["http://[::ffff:127.0.0.1]:9000/x", "ok"],
      ["ftp://api.example.com/x", "invalid"],
      ["not a url", "invalid"],
    ];
    for (const [url, want] of cases) {
      const res = await invoke(wasm, { uri: `/fetch?url=${encodeURIComponent(url)}` }, api);
      const got = json(res.body);
      expect(got["error"] ?? "ok", url).toBe(want);
      expect(got["status"], url).toBe(want === "ok" ? 201 : 0);
    }
  });

  test("nothing granted: every call is denied, and the test's function is never called", async () => {
    let called = 0;
    const res = await invoke(wasm, { uri: "/fetch?url=https://api.example.com/" }, { fetch: () => (called++, {}) });
    expect(json(res.body)).toMatchObject({ status: 0, error: "denied" });
    expect(called).toBe(0);
    expect(res.fetches).toMatchObject([{ url: "https://api.example.com/", status: "denied" }]);
  });

  test("failures: the function's error, a throw (io_error), no function (unavailable), a body over fetchMaxBody, a slow answer", async () => {
    const grants = api.grants;
    const uri = "/fetch?url=https://api.example.com/";
    const err = (res: { body: string }) => json(res.body)["error"];
    expect(err(await invoke(wasm, { uri }, { grants, fetch: () => ({ error: "unavailable" }) }))).toBe("unavailable");
    expect(
      err(
        await invoke(
          wasm,
          { uri },
          {
            grants,
            fetch: () => {
              throw new Error("boom");
            },
          },
        ),
      ),
    ).toBe("io_error");
    expect(err(await invoke(wasm, { uri }, { grants }))).toBe("unavailable");
    expect(err(await invoke(wasm, { uri }, { grants, fetchMaxBody: 4, fetch: () => ({ body: "12345" }) }))).toBe("too_large");
    expect(err(await invoke(wasm, { uri }, { grants, fetchMaxBody: 5, fetch: () => ({ body: "12345" }) }))).toBe(null);
    const slow = await invoke(
      wasm,
      { uri },
      { grants, fetchTimeoutMs: 200, fetch: () => new Promise((r) => setTimeout(() => r({ body: "late" }), 2000)) },
    );
    expect(err(slow)).toBe("timeout");
    expect(slow.fetches).toMatchObject([{ status: "timeout" }]);
  });

  test("a late answer to a timed-out call is not taken for the next call's", async () => {
    let n = 0;
    const res = await invoke(
      wasm,
      { uri: "/fetch-twice?url=https://api.example.com/" },
      {
        grants: api.grants,
        fetchTimeoutMs: 300,
        fetch: () => (++n === 1 ? new Promise((r) => setTimeout(() => r({ body: "first" }), 600)) : { body: "second" }),
      },
    );
    expect(res.body).toBe("|second|-");
  });

  test("fetchMaxCalls: the call after the last allowed one is limit", async () => {
    const res = await invoke(wasm, { uri: "/fetch-twice?url=https://api.example.com/" }, { ...api, fetchMaxCalls: 1 });
    expect(res.body).toBe("GET https://api.example.com/||limit");
    expect(res.fetches.map((f) => f.status)).toEqual(["ok", "limit"]);
  });

  test("a response body larger than the first guess arrives whole; a WHATWG Response works", async () => {
    const big = "x".repeat(300_000);
    const res = await invoke(
      wasm,
      { uri: "/fetch?url=https://api.example.com/" },
      { grants: api.grants, fetch: () => new Response(big, { status: 404 }) },
    );
    expect(json(res.body)).toMatchObject({ status: 404, error: null, bodyLength: 300_000 });
  });

  test("the run's timeout stops a guest waiting on a fetch that never answers", async () => {
    const res = await invoke(
      wasm,
      { uri: "/fetch?url=https://api.example.com/" },
      { grants: api.grants, timeoutMs: 1000, fetch: () => new Promise(() => undefined) },
    );
    expect(res).toMatchObject({ status: 504, outcome: "timeout" });
    expect(res.fetches).toMatchObject([{ status: "timeout" }]);
  });
});

describe("invoke with host functions", () => {
  test("host_log lines join the logs, level 3 as error, others as info, with the trace id", async () => {
    const res = await invoke(wat("host-log"), { trace_id: "t-9" });
    expect(res.status).toBe(200);
    expect(res.logs).toEqual([
      { level: "error", msg: "boom", trace_id: "t-9" },
      { level: "info", msg: "hello", trace_id: "t-9" },
    ]);
  });

  test("a module importing a gojinn function the host lacks, or with another signature, is refused with the import's name", async () => {
    await expect(invoke(wat("unknown-host-function"))).rejects.toThrow(/gojinn\.kv_frobnicate: not a host function of this ABI/);
    const bad = invoke(wat("wrong-host-signature"));
    await expect(bad).rejects.toThrow(
      /gojinn\.kv_delete: imported as \(i32, i32, i32\) -> i32, the host's is \(i32, i32, i32, i32\) -> i32$/,
    );
  });

  test("bad grants fail like a bad config", async () => {
    await expect(invoke(wasm, {}, { grants: { kv: ["bad name"] } })).rejects.toThrow(/bad store name/);
    await expect(invoke(wasm, {}, { grants: { kv: { s: "write" as "read" } } })).rejects.toThrow(/mode must be/);
    await expect(invoke(wasm, {}, { grants: { fetch: ["https://api.example.com/path"] } })).rejects.toThrow(/only scheme, host and port/);
    await expect(invoke(wasm, {}, { grants: { fetch: ["api.example.com"] } })).rejects.toThrow(/want scheme/);
  });

  test("the module is metered as on the host: fuel is counted and fuelLimit applies", async () => {
    const res = await invoke(wasm, { uri: "/kv/get?key=b" }, granted);
    expect(res.fuel).toBeGreaterThan(0);
    const limited = await invoke(wasm, { uri: "/kv/get?key=b" }, { ...granted, fuelLimit: 100 });
    expect(limited.outcome).toBe("fuel_exhausted");
  });

  test("a handler that uses neither kv, fetch nor queue imports nothing from gojinn", () => {
    const hello = fileURLToPath(new URL("../../examples/hello-as/build/handler.wasm", import.meta.url));
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(hello)));
    expect(imports.filter((i) => i.module === "gojinn")).toEqual([]);
    const fixture = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm)));
    expect(
      fixture
        .filter((i) => i.module === "gojinn")
        .map((i) => i.name)
        .sort(),
    ).toEqual([
      "ai_chat",
      "enqueue",
      "fetch",
      "fetch_body",
      "fetch_close",
      "fetch_head",
      "kv_create",
      "kv_delete",
      "kv_get",
      "kv_increment",
      "kv_keys",
      "kv_set",
      "kv_update",
    ]);
  });
});

describe("queue", () => {
  const orders: InvokeOptions = { grants: { enqueue: ["orders", "mail"] } };

  test("enqueue: a granted queue takes the job (text or bytes); the result lists it with the id the guest got", async () => {
    const res = await invoke(wasm, post("/enqueue?queue=orders", '{"order":42}'), orders);
    expect(json(res.body)).toEqual({ ok: true, id: "job-1", error: null });
    expect(res.enqueued.map((j) => ({ ...j, body: Buffer.from(j.body).toString() }))).toEqual([
      { queue: "orders", id: "job-1", body: '{"order":42}' },
    ]);
    const bytes = Buffer.from([0, 255, 1]);
    const bin = await invoke(wasm, { method: "POST", uri: "/enqueue?queue=mail&bytes=1", body: bytes }, orders);
    expect(json(bin.body)).toEqual({ ok: true, id: "job-1", error: null });
    expect(bin.enqueued[0]!.queue).toBe("mail");
    expect([...bin.enqueued[0]!.body]).toEqual([0, 255, 1]);
  });

  test("enqueue: what the grants do not name is denied and enqueues nothing", async () => {
    for (const options of [orders, {}]) {
      const res = await invoke(wasm, post("/enqueue?queue=billing", "x"), options);
      expect(json(res.body)).toEqual({ ok: false, id: "", error: "denied" });
      expect(res.enqueued).toEqual([]);
    }
  });

  test("enqueue: a full queue is unavailable, a body over maxJobSize too_large, a bad name invalid", async () => {
    const err = async (uri: string, body: string, options: InvokeOptions) =>
      json((await invoke(wasm, post(uri, body), options)).body)["error"];
    expect(await err("/enqueue?queue=orders", "x", { ...orders, fullQueues: ["orders"] })).toBe("unavailable");
    expect(await err("/enqueue?queue=orders", "12345", { ...orders, maxJobSize: 4 })).toBe("too_large");
    expect(await err("/enqueue?queue=orders", "1234", { ...orders, maxJobSize: 4 })).toBe(null);
    expect(await err("/enqueue?queue=a.b", "x", orders)).toBe("invalid");
  });

  test("a bad queue name in the grants fails invoke, as a Caddyfile would fail to load", async () => {
    await expect(invoke(wasm, post("/enqueue"), { grants: { enqueue: ["my.queue"] } })).rejects.toThrow(
      /grants.enqueue: bad queue name "my.queue"/,
    );
  });
});

describe("ai", () => {
  const granted: InvokeOptions = { grants: { ai: true } };

  test("chat: the canned answer arrives; the result lists the messages the guest sent", async () => {
    const res = await invoke(wasm, post("/chat", "hello é"), {
      ...granted,
      aiAnswers: [{ text: "héllo back", promptTokens: 9, completionTokens: 3 }],
    });
    expect(json(res.body)).toEqual({ text: "héllo back", error: null });
    expect(res.chats).toEqual([
      {
        model: "",
        messages: [
          { role: "system", content: "You answer tests." },
          { role: "user", content: "hello é" },
        ],
        status: "ok",
      },
    ]);
    const big = "x".repeat(100_000);
    const named = await invoke(wasm, post("/chat?model=llama3.2", "q"), { ...granted, aiAnswers: [big] });
    expect(json(named.body)).toEqual({ text: big, error: null });
    expect(named.chats[0]!.model).toBe("llama3.2");
  });

  test("chat: without the grant it is denied; a canned failure, or no answer left, is the failure's status", async () => {
    const denied = await invoke(wasm, post("/chat", "q"), { aiAnswers: ["never"] });
    expect(json(denied.body)).toEqual({ text: null, error: "denied" });
    expect(denied.chats).toEqual([]);
    const failed = await invoke(wasm, post("/chat", "q"), { ...granted, aiAnswers: [{ error: "timeout" }] });
    expect(json(failed.body)).toEqual({ text: null, error: "timeout" });
    expect(failed.chats[0]!.status).toBe("timeout");
    const none = await invoke(wasm, post("/chat", "q"), granted);
    expect(json(none.body)).toEqual({ text: null, error: "unavailable" });
  });
});
