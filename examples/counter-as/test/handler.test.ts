import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { invoke } from "gojinn/testing";

// Built by `npx gojinn build` (npm run build).
const HANDLER = fileURLToPath(
  new URL("../build/handler.wasm", import.meta.url),
);

describe("counter", () => {
  test("the first visit is 1, and the store keeps it", async () => {
    const res = await invoke(HANDLER, {}, { grants: { kv: ["counter"] } });
    expect(res.status).toBe(200);
    expect(res.headers["Content-Type"]).toEqual(["application/json"]);
    expect(res.body).toBe('{"visits":1}\n');
    expect(res.kv).toEqual({ counter: { visits: "1" } });
  });

  test("counts on from the stored value, whatever the method and path", async () => {
    const res = await invoke(
      HANDLER,
      { method: "POST", uri: "/any/path" },
      { kv: { counter: { visits: "41" } }, grants: { kv: ["counter"] } },
    );
    expect(res.body).toBe('{"visits":42}\n');
    expect(res.kv["counter"]).toEqual({ visits: "42" });
  });

  test("without a grant, or with a read-only one: 503 denied, logged, nothing written", async () => {
    for (const grants of [{}, { kv: { counter: "read" as const } }]) {
      const res = await invoke(
        HANDLER,
        { trace_id: "t-1" },
        { kv: { counter: { visits: "7" } }, grants },
      );
      expect(res.status).toBe(503);
      expect(res.body).toBe('{"error":"denied"}\n');
      expect(res.logs).toEqual([
        { level: "error", msg: "counter: denied", trace_id: "t-1" },
      ]);
      expect(res.kv["counter"]).toEqual({ visits: "7" });
    }
  });

  test("a value that is not a number is an error, not a reset", async () => {
    const res = await invoke(
      HANDLER,
      {},
      { kv: { counter: { visits: "lots" } }, grants: { kv: ["counter"] } },
    );
    expect(res.status).toBe(503);
    expect(res.body).toBe('{"error":"invalid"}\n');
    expect(res.kv["counter"]).toEqual({ visits: "lots" });
  });
});
