// Builds every AssemblyScript handler of the repository with this checkout's
// SDK before any test runs, so the tests always exercise the current SDK,
// and the fuel vectors' WAT guest.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "../dist/build/compile.js";
import { AS_HANDLERS } from "./handlers.js";

/** The fuel vectors' guest (test/fuel.test.ts), built from its source as the Go tests build it. */
export const FUEL_GUEST_SOURCE = fileURLToPath(new URL("../../testdata/meter/fuel-guest.wat", import.meta.url));
export const FUEL_GUEST = fileURLToPath(new URL("../../testdata/build/fuel-guest.wasm", import.meta.url));

export default async function setup(): Promise<void> {
  mkdirSync(fileURLToPath(new URL("../../testdata/build/", import.meta.url)), { recursive: true });
  execFileSync("wat2wasm", [FUEL_GUEST_SOURCE, "-o", FUEL_GUEST]);
  for (const dir of AS_HANDLERS) {
    await build({ entry: "assembly/index.ts", outFile: "build/handler.wasm", debug: false, cwd: dir });
  }
}
