// Fuel: the harness meters a handler with the host's own rewriter, so the
// same module and request use the same fuel here as in Caddy.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { buildRequest, invoke, type InvokeRequest } from "../dist/testing/index.js";

const METER = new URL("../../testdata/meter/", import.meta.url);
const GUEST = fileURLToPath(new URL("fuel-guest.wasm", METER));
const CONTRACT = fileURLToPath(new URL("../../contract/handler/build/handler.wasm", import.meta.url));

/** testdata/meter/fuel-vectors.json, which sandbox/meter's TestFuelVectors checks on the Go host. */
interface FuelVector {
  description: string;
  request: InvokeRequest;
  stdin: string;
  fuel: number;
}
const vectors = JSON.parse(readFileSync(new URL("fuel-vectors.json", METER), "utf8")) as FuelVector[];

describe("fuel", () => {
  test.each(vectors)("$description: the fuel the Go host measures", async (v) => {
    // The guest gets the very stdin the Go test fed it.
    expect(JSON.stringify(buildRequest(v.request))).toBe(v.stdin);
    const res = await invoke(GUEST, v.request);
    expect(res.status).toBe(200);
    expect(res.fuel).toBe(v.fuel);
  });

  test("the same request always uses the same fuel", async () => {
    const req: InvokeRequest = { uri: "/status/201", trace_id: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    const first = await invoke(CONTRACT, req);
    expect(first.fuel).toBeGreaterThan(0);
    expect((await invoke(CONTRACT, req)).fuel).toBe(first.fuel);
    expect((await invoke(new Uint8Array(readFileSync(CONTRACT)), req)).fuel).toBe(first.fuel);
  });

  test("a compiled module cannot be metered: fuel is null", async () => {
    const module = await WebAssembly.compile(readFileSync(CONTRACT));
    const res = await invoke(module, { uri: "/status/201" });
    expect(res.status).toBe(201);
    expect(res.fuel).toBeNull();
  });

  test("a module the rewriter refuses fails to load with its reason", async () => {
    // Exports the global name metering reserves.
    const reserved = new Uint8Array([
      0x00,
      0x61,
      0x73,
      0x6d,
      0x01,
      0x00,
      0x00,
      0x00, // header
      0x06,
      0x06,
      0x01,
      0x7f,
      0x00,
      0x41,
      0x00,
      0x0b, // global i32 (i32.const 0)
      0x07,
      0x15,
      0x01,
      0x11,
      ...new TextEncoder().encode("gojinn_meter.fuel"),
      0x03,
      0x00, // export
    ]);
    await expect(invoke(reserved)).rejects.toThrow(/reserves/);
  });
});
