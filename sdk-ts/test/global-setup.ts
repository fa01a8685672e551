// Builds every AssemblyScript handler of the repository with this checkout's
// SDK before any test runs, so the tests always exercise the current SDK.
import { build } from "../dist/build/compile.js";
import { AS_HANDLERS } from "./handlers.js";

export default async function setup(): Promise<void> {
  for (const dir of AS_HANDLERS) {
    await build({ entry: "assembly/index.ts", outFile: "build/handler.wasm", debug: false, cwd: dir });
  }
}
