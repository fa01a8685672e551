// Fuel: the harness meters a handler with the host's own rewriter, so the
// same module and request use the same fuel here as in Caddy.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { buildRequest, invoke, type InvokeRequest } from "../dist/testing/index.js";
import { FUEL_GUEST as GUEST } from "./global-setup.js";

const METER = new URL("../../testdata/meter/", import.meta.url);
const CONTRACT = fileURLToPath(new URL("../../contract/handler/build/handler.wasm", import.meta.url));

/** testdata/meter/fuel-vectors.json, which sandbox/meter's TestFuelVectors checks on the Go host. */
interface FuelVector {
  description: string;
  request: InvokeRequest;
  stdin: string;
  fuel: number;
}
const vectors = JSON.parse(readFileSync(new URL("fuel-vectors.json", METER), "utf8")) as FuelVector[];

/** testdata/meter/fuel-limit-vectors.json, which sandbox/meter's TestFuelLimitVectors checks on the Go host. */
interface FuelLimitVector {
  description: string;
  request: InvokeRequest;
  stdin: string;
  fuel_limit: number;
  outcome: "ok" | "fuel_exhausted";
  fuel: number;
}
const limitVectors = JSON.parse(readFileSync(new URL("fuel-limit-vectors.json", METER), "utf8")) as FuelLimitVector[];

describe("fuel", () => {
  test.each(vectors)("$description: the fuel the Go host measures", async (v) => {
    // The guest gets the very stdin the Go test fed it.
    expect(JSON.stringify(buildRequest(v.request))).toBe(v.stdin);
    const res = await invoke(GUEST, v.request);
    expect(res.status).toBe(200);
    expect(res.fuel).toBe(v.fuel);
  });

  test.each(limitVectors)("$description: ends as on the Go host, after the same fuel", async (v) => {
    expect(JSON.stringify(buildRequest(v.request))).toBe(v.stdin);
    const res = await invoke(GUEST, v.request, { fuelLimit: v.fuel_limit });
    expect(res.outcome).toBe(v.outcome);
    expect(res.status).toBe(v.outcome === "ok" ? 200 : 502);
    expect(res.fuel).toBe(v.fuel);
  });

  test("an endless loop is stopped at its fuel limit: 502 fuel_exhausted", async () => {
    // The timeout is far away: only the fuel limit can stop it.
    const res = await invoke(CONTRACT, { uri: "/loop" }, { fuelLimit: 5_000_000, timeoutMs: 600_000 });
    expect(res).toMatchObject({ status: 502, body: "Bad Gateway", outcome: "fuel_exhausted", exitCode: null });
    expect(res.fuel).toBeGreaterThan(5_000_000);
    expect(res.reason).toBe(`the guest used ${res.fuel} units of fuel, more than its fuel limit of 5000000, and was stopped`);
  });

  test("a handler within its fuel limit answers, and uses what it uses without one", async () => {
    const req: InvokeRequest = { uri: "/status/201", trace_id: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    const unlimited = await invoke(CONTRACT, req);
    const generous = await invoke(CONTRACT, req, { fuelLimit: 1_000_000_000 });
    expect(generous).toMatchObject({ status: 201, outcome: "ok", fuel: unlimited.fuel });
    const exact = await invoke(CONTRACT, req, { fuelLimit: unlimited.fuel! });
    expect(exact).toMatchObject({ status: 201, outcome: "ok" });
    // One unit less: it ends over its limit, whether or not it passes another check.
    const short = await invoke(CONTRACT, req, { fuelLimit: unlimited.fuel! - 1 });
    expect(short).toMatchObject({ status: 502, outcome: "fuel_exhausted" });
  });

  test("fuelLimit is refused where it cannot apply", async () => {
    const module = await WebAssembly.compile(readFileSync(CONTRACT));
    await expect(invoke(module, {}, { fuelLimit: 1000 })).rejects.toThrow(/compiled WebAssembly.Module cannot be metered/);
    await expect(invoke(CONTRACT, {}, { fuelLimit: -1 })).rejects.toThrow(/fuelLimit must be/);
    await expect(invoke(CONTRACT, {}, { fuelLimit: 1.5 })).rejects.toThrow(/fuelLimit must be/);
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
