import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { invoke } from "gojinn/testing";

// Built by `npx gojinn build` (npm run build).
const HANDLER = fileURLToPath(
  new URL("../build/handler.wasm", import.meta.url),
);

describe("router", () => {
  test("GET /users/:id passes the decoded path parameter", async () => {
    const res = await invoke(HANDLER, { uri: "/users/ana%20b" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: "ana b", name: "user ana b" });
  });

  test("POST /users creates: 201", async () => {
    const res = await invoke(HANDLER, {
      method: "POST",
      uri: "/users",
      body: '{"name":"Ana"}',
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toEqual({ id: "1", name: "Ana" });
  });

  test("DELETE /users/:id: 204", async () => {
    expect(
      (await invoke(HANDLER, { method: "DELETE", uri: "/users/1" })).status,
    ).toBe(204);
  });

  test("routes the same under the /router-as prefix (Caddy's handle without stripping)", async () => {
    const res = await invoke(HANDLER, { uri: "/router-as/users/42" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: "42", name: "user 42" });
    expect((await invoke(HANDLER, { uri: "/router-as" })).status).toBe(200);
    expect(
      (await invoke(HANDLER, { uri: "/router-as/files/a/b.txt" })).body,
    ).toBe("file a/b.txt\n");
  });

  test("an unknown path: 404; a known path with another method: 405 with Allow", async () => {
    expect((await invoke(HANDLER, { uri: "/nope" })).status).toBe(404);
    const res = await invoke(HANDLER, { method: "PUT", uri: "/users/1" });
    expect(res.status).toBe(405);
    expect(res.headers["Allow"]).toEqual(["GET, DELETE, HEAD, OPTIONS"]);
  });
});
