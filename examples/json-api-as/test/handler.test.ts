import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { invoke } from "gojinn/testing";

// Built by `npx gojinn build` (npm run build).
const HANDLER = fileURLToPath(
  new URL("../build/handler.wasm", import.meta.url),
);

const post = (body: string) =>
  invoke(HANDLER, {
    method: "POST",
    uri: "/",
    headers: { "Content-Type": "application/json" },
    body,
  });

describe("json-api", () => {
  test("creates a user: 201 with its JSON and Location", async () => {
    const res = await post('{"name":"Ana","email":"ana@example.com"}');
    expect(res.status).toBe(201);
    expect(res.headers["Content-Type"]).toEqual(["application/json"]);
    const user = JSON.parse(res.body);
    expect(user).toMatchObject({ name: "Ana", email: "ana@example.com" });
    expect(res.headers["Location"]).toEqual([`/users/${user.id}`]);
  });

  test.each([
    ["not JSON", "{name: Ana}", "the body must be a JSON object"],
    ["not an object", "[1,2]", "the body must be a JSON object"],
    ["no name", '{"email":"ana@example.com"}', "name is required"],
    [
      "bad email",
      '{"name":"Ana","email":"ana"}',
      "email must be an email address",
    ],
  ])("rejects %s with 400", async (_, body, error) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error });
  });

  test("other methods: 405 with Allow", async () => {
    const res = await invoke(HANDLER, { method: "GET", uri: "/" });
    expect(res.status).toBe(405);
    expect(res.headers["Allow"]).toEqual(["POST"]);
  });
});
