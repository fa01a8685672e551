import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { invoke } from "gojinn/testing";

// Built by `npx gojinn build` (npm run build).
const HANDLER = fileURLToPath(
  new URL("../build/handler.wasm", import.meta.url),
);

describe("hello", () => {
  test("greets the world by default", async () => {
    const res = await invoke(HANDLER, { uri: "/" });
    expect(res.status).toBe(200);
    expect(res.body).toBe("Hello, world!\n");
    expect(res.headers["Content-Type"]).toEqual(["text/plain; charset=utf-8"]);
  });

  test("greets by name, decoded from the query", async () => {
    const res = await invoke(HANDLER, { uri: "/any/path?name=Zo%C3%AB" });
    expect(res.body).toBe("Hello, Zoë!\n");
  });

  test("answers any method and logs with the trace id", async () => {
    const res = await invoke(HANDLER, {
      method: "DELETE",
      uri: "/x",
      trace_id: "trace-1",
    });
    expect(res.status).toBe(200);
    expect(res.headers["X-Trace-Id"]).toEqual(["trace-1"]);
    expect(res.logs).toEqual([
      { level: "info", msg: "greeting world", trace_id: "trace-1" },
    ]);
  });
});
