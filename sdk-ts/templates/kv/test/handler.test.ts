import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { invoke } from "gojinn/testing";

// Built by `npx gojinn build` (npm run build).
const HANDLER = fileURLToPath(new URL("../build/handler.wasm", import.meta.url));

// The store before the run and the handler's grant, as `kv notes` in the Caddyfile.
const store = { kv: { notes: { shopping: "milk" } }, grants: { kv: ["notes"] } };

describe("notes", () => {
  test("GET / lists the notes", async () => {
    const res = await invoke(HANDLER, { uri: "/" }, store);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ notes: ["shopping"] });
  });

  test("GET /notes/:name reads one; an absent one is 404", async () => {
    expect((await invoke(HANDLER, { uri: "/notes/shopping" }, store)).body).toBe("milk");
    expect((await invoke(HANDLER, { uri: "/notes/nope" }, store)).status).toBe(404);
  });

  test("PUT writes, and the store holds it after the run", async () => {
    const res = await invoke(HANDLER, { method: "PUT", uri: "/notes/todo", body: "call Ana" }, store);
    expect(res.status).toBe(204);
    expect(res.kv["notes"]).toEqual({ shopping: "milk", todo: "call Ana" });
  });

  test("PUT with If-None-Match: * never overwrites: 412", async () => {
    const headers = { "If-None-Match": "*" };
    expect((await invoke(HANDLER, { method: "PUT", uri: "/notes/shopping", headers, body: "x" }, store)).status).toBe(412);
    expect((await invoke(HANDLER, { method: "PUT", uri: "/notes/new", headers, body: "x" }, store)).status).toBe(201);
  });

  test("DELETE removes", async () => {
    const res = await invoke(HANDLER, { method: "DELETE", uri: "/notes/shopping" }, store);
    expect(res.status).toBe(204);
    expect(res.kv["notes"]).toEqual({});
  });

  test("without the grant every call is denied: 503", async () => {
    const res = await invoke(HANDLER, { uri: "/notes/shopping" }, { kv: store.kv });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ error: "denied" });
  });
});
