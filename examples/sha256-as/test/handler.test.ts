import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { invoke } from "gojinn/testing";

// Built by `npx gojinn build` (npm run build).
const HANDLER = fileURLToPath(
  new URL("../build/handler.wasm", import.meta.url),
);

const sha256 = (data: string | Uint8Array) =>
  createHash("sha256").update(data).digest("hex");

describe("sha256", () => {
  // Lengths around the padding's edges (55/56: one or two final blocks;
  // 64: a whole block), multi-byte UTF-8 and a large body.
  test.each([
    ["empty", ""],
    ["abc", "abc"],
    ["55 bytes", "a".repeat(55)],
    ["56 bytes", "a".repeat(56)],
    ["63 bytes", "b".repeat(63)],
    ["64 bytes", "c".repeat(64)],
    ["65 bytes", "d".repeat(65)],
    ["UTF-8", "héllo, wörld 🙂"],
    ["1 MB", "0123456789abcdef".repeat(65536)],
  ])("%s: node's digest", async (_, body) => {
    const res = await invoke(HANDLER, { method: "POST", body });
    expect(res.status).toBe(200);
    expect(res.body).toBe(sha256(body));
  });

  test("a binary body is hashed as sent", async () => {
    const body = new Uint8Array(1000).map((_, i) => (i * 151) & 255);
    const res = await invoke(HANDLER, { method: "POST", body });
    expect(res.body).toBe(sha256(body));
  });
});
