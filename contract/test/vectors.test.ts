// Runs every contract vector through the TypeScript harness, against the
// contract handler. sandbox/vectors_test.go runs the same files through the
// real sandbox, so the harness and the host cannot drift apart.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { invoke } from "gojinn/testing";

const VECTORS = fileURLToPath(new URL("../vectors/", import.meta.url));
const HANDLER = fileURLToPath(
  new URL("../handler/build/handler.wasm", import.meta.url),
);

/** The runner settings every vector assumes (contract/README.md). */
const RUNNER = {
  env: { GREETING: "hello" },
  args: [],
  timeoutMs: 3000,
  maxOutputBytes: 1 << 20,
};

interface Vector {
  description: string;
  request: {
    method: string;
    uri: string;
    headers: Record<string, string[]>;
    body: string;
    body_encoding?: "base64";
  };
  response?: {
    status: number;
    headers?: Record<string, string[]>;
    body?: string;
    body_encoding?: "base64";
  };
  failure?: { status: 502 | 504; outcome: string };
}

const files = readdirSync(VECTORS)
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("contract vectors", () => {
  test("there are vectors", () => {
    expect(files.length).toBeGreaterThan(30);
  });

  test.each(files)("%s", async (file) => {
    const vector = JSON.parse(readFileSync(VECTORS + file, "utf8")) as Vector;
    const res = await invoke(HANDLER, vector.request, RUNNER);
    if (vector.failure) {
      expect(
        { status: res.status, outcome: res.outcome },
        vector.description,
      ).toEqual(vector.failure);
      expect(res.reason).toBeTruthy();
      return;
    }
    const want = vector.response!;
    expect(res.outcome, `${vector.description}: ${res.reason ?? ""}`).toBe(
      "ok",
    );
    expect(res.status).toBe(want.status);
    for (const [name, values] of Object.entries(want.headers ?? {})) {
      expect(res.headers[name], `header ${name}`).toEqual(values);
    }
    if (want.body !== undefined) {
      if (want.body_encoding === "base64")
        expect(Buffer.from(res.bodyBytes).toString("base64")).toBe(want.body);
      else expect(res.body).toBe(want.body);
    }
  });
});
