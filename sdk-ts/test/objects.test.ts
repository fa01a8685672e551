// The SDK's objects (assembly/objects.ts), compiled into
// test/fixtures/objects-handler, against the harness's object stores
// (src/testing/host/objects-*.ts): bytes and heads both ways, content
// types, paging, grants with access and prefix, keys, limits, max_object.
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { invoke, type InvokeOptions } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";

let wasm = "";
beforeAll(async () => {
  wasm = await buildFixture("objects-handler");
});

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;
const granted: InvokeOptions = { grants: { objects: ["media"] } };
const md5 = (bytes: Uint8Array | string) => `"${createHash("md5").update(bytes).digest("hex")}"`;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe("get, head, put, delete", () => {
  test("put bytes with a content type; get returns the same bytes and their head; the store after the run has them", async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    const put = await invoke(wasm, { method: "POST", uri: "/put?key=u/1/a.bin&type=image/png", body: bytes }, granted);
    expect(json(put.body)).toEqual({ ok: true, error: null });
    expect(put.objects["media"]!["u/1/a.bin"]).toMatchObject({ body: bytes, contentType: "image/png", etag: md5(bytes) });
    expect(put.objects["media"]!["u/1/a.bin"]!.lastModified).toMatch(RFC3339);

    const seeded: InvokeOptions = { ...granted, objects: { media: { "u/1/a.bin": { body: bytes, contentType: "image/png" } } } };
    const raw = await invoke(wasm, { uri: "/raw?key=u/1/a.bin" }, seeded);
    expect(raw.bodyBytes).toEqual(bytes);
    expect(raw.headers["Content-Type"]).toEqual(["image/png"]);
    const got = json((await invoke(wasm, { uri: "/get?key=u/1/a.bin" }, seeded)).body);
    expect(got).toMatchObject({ ok: true, error: null, size: "256", contentType: "image/png", etag: md5(bytes) });
    expect(got["lastModified"]).toMatch(RFC3339);
  });

  test("content types: putText's default, put's default (the host's application/octet-stream), and a seed's", async () => {
    const text = await invoke(wasm, { method: "POST", uri: "/put?key=a.txt&text=1", body: "héllo" }, granted);
    expect(text.objects["media"]!["a.txt"]).toMatchObject({ text: "héllo", contentType: "text/plain; charset=utf-8" });
    const bytes = await invoke(wasm, { method: "POST", uri: "/put?key=a.bin", body: "x" }, granted);
    expect(bytes.objects["media"]!["a.bin"]!.contentType).toBe("application/octet-stream");
    const seeded = {
      ...granted,
      objects: { media: { "a.json": { body: "{}", contentType: "application/json", lastModified: Date.UTC(2026, 11, 3, 17) } } },
    };
    expect(json((await invoke(wasm, { uri: "/head?key=a.json" }, seeded)).body)).toEqual({
      ok: true,
      error: null,
      size: "2",
      contentType: "application/json",
      etag: md5("{}"),
      lastModified: "2026-12-03T17:00:00Z",
      text: "",
    });
  });

  test("absent: get and head are not_found; delete is ok and removes what is there", async () => {
    expect(json((await invoke(wasm, { uri: "/get?key=nope" }, granted)).body)).toMatchObject({ ok: false, error: "not_found" });
    expect(json((await invoke(wasm, { uri: "/head?key=nope" }, granted)).body)).toMatchObject({ ok: false, error: "not_found" });
    expect(json((await invoke(wasm, { method: "POST", uri: "/delete?key=nope" }, granted)).body)).toEqual({ ok: true, error: null });
    const del = await invoke(wasm, { method: "POST", uri: "/delete?key=a" }, { ...granted, objects: { media: { a: "1", b: "2" } } });
    expect(json(del.body)).toEqual({ ok: true, error: null });
    expect(Object.keys(del.objects["media"]!)).toEqual(["b"]);
  });
});

describe("list", () => {
  const five: InvokeOptions = { ...granted, objects: { media: { "p/c": "ccc", "p/a": "a", "p/é": "e", "p/b": "bb", "q/x": "x" } } };

  test("one page: byte order, sizes, etags, more; after continues", async () => {
    const first = json((await invoke(wasm, { uri: "/list?prefix=p/&limit=2" }, five)).body);
    expect(first).toMatchObject({
      ok: true,
      keys: ["p/a", "p/b"],
      sizes: ["1", "2"],
      etags: [md5("a"), md5("bb")],
      more: true,
      last: "p/b",
    });
    const next = json((await invoke(wasm, { uri: "/list?prefix=p/&limit=2&after=p/b" }, five)).body);
    expect(next).toMatchObject({ keys: ["p/c", "p/é"], more: false });
  });

  test("every page in turn: the whole prefix, once, in byte order", async () => {
    const all = json((await invoke(wasm, { uri: "/list?all=1&limit=1" }, five)).body);
    expect(all).toMatchObject({ ok: true, keys: ["p/a", "p/b", "p/c", "p/é", "q/x"], pages: 5, more: false });
    expect(json((await invoke(wasm, { uri: "/list?prefix=zz" }, five)).body)).toMatchObject({ ok: true, keys: [], more: false, last: "" });
  });

  test.each([0, 1001])("a limit of %i is invalid", async (limit) => {
    expect(json((await invoke(wasm, { uri: `/list?limit=${limit}` }, five)).body)).toMatchObject({ ok: false, error: "invalid" });
  });
});

describe("grants and keys", () => {
  test("a store not granted is denied; a read grant reads and is denied writes", async () => {
    const seeds = { media: { a: "1" } };
    expect(json((await invoke(wasm, { uri: "/get?key=a" }, { objects: seeds })).body)).toMatchObject({ error: "denied" });
    const read: InvokeOptions = { objects: seeds, grants: { objects: { media: "read" } } };
    expect(json((await invoke(wasm, { uri: "/get?key=a" }, read)).body)).toMatchObject({ ok: true, text: "1" });
    for (const uri of ["/put?key=a", "/delete?key=a"]) {
      const res = await invoke(wasm, { method: "POST", uri, body: "2" }, read);
      expect(json(res.body), uri).toEqual({ ok: false, error: "denied" });
      expect(res.objects["media"]!["a"]!.text).toBe("1");
    }
  });

  test("a prefix grant: keys and list prefixes outside it are denied", async () => {
    const prefixed: InvokeOptions = {
      objects: { media: { "u/1/a": "mine", "u/2/a": "theirs" } },
      grants: { objects: { media: { prefix: "u/1/" } } },
    };
    expect(json((await invoke(wasm, { uri: "/get?key=u/1/a" }, prefixed)).body)).toMatchObject({ ok: true, text: "mine" });
    expect(json((await invoke(wasm, { uri: "/get?key=u/2/a" }, prefixed)).body)).toMatchObject({ ok: false, error: "denied" });
    expect(json((await invoke(wasm, { method: "POST", uri: "/put?key=u/2/b" }, prefixed)).body)).toMatchObject({ error: "denied" });
    expect(json((await invoke(wasm, { uri: "/list" }, prefixed)).body)).toMatchObject({ ok: false, error: "denied" });
    expect(json((await invoke(wasm, { uri: "/list?prefix=u/1/" }, prefixed)).body)).toMatchObject({ ok: true, keys: ["u/1/a"] });
  });

  test.each(["", "a/../b", "./a", "a/.", "x".repeat(1025)])("the key %j is invalid", async (key) => {
    const res = await invoke(wasm, { method: "POST", uri: `/put?key=${encodeURIComponent(key)}` }, granted);
    expect(json(res.body)).toEqual({ ok: false, error: "invalid" });
  });

  test("keys with dots that are not whole segments, and of 1,024 bytes, are valid", async () => {
    for (const key of ["a..b/.c/d.", "é".repeat(512)]) {
      const res = await invoke(wasm, { method: "POST", uri: `/put?key=${encodeURIComponent(key)}` }, granted);
      expect(json(res.body), key).toEqual({ ok: true, error: null });
    }
  });

  test("over maxObject: a put is too_large and stores nothing; a larger stored object's get is too_large, its head is not", async () => {
    const small: InvokeOptions = { ...granted, maxObject: 4, objects: { media: { big: "12345" } } };
    const put = await invoke(wasm, { method: "POST", uri: "/put?key=k", body: "12345" }, small);
    expect(json(put.body)).toEqual({ ok: false, error: "too_large" });
    expect(put.objects["media"]!["k"]).toBeUndefined();
    expect(json((await invoke(wasm, { method: "POST", uri: "/put?key=k", body: "1234" }, small)).body)).toEqual({ ok: true, error: null });
    expect(json((await invoke(wasm, { uri: "/get?key=big" }, small)).body)).toMatchObject({ ok: false, error: "too_large" });
    expect(json((await invoke(wasm, { uri: "/head?key=big" }, small)).body)).toMatchObject({ ok: true, size: "5" });
  });

  test("a bad grant fails invoke as a bad Caddyfile fails the load", async () => {
    await expect(invoke(wasm, {}, { grants: { objects: { media: { access: "all" as "read" } } } })).rejects.toThrow(
      /grants\.objects\.media: mode must be/,
    );
    await expect(invoke(wasm, {}, { grants: { objects: ["no/slash"] } })).rejects.toThrow(/bad store name/);
  });
});
