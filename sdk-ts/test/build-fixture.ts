import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "../dist/build/compile.js";

/** Builds a handler folder under test/fixtures/ into a temp dir; returns the .wasm path. */
export async function buildFixture(name: string): Promise<string> {
  const dir = fileURLToPath(new URL(`./fixtures/${name}/`, import.meta.url));
  const out = path.join(mkdtempSync(path.join(tmpdir(), `gojinn-${name}-`)), "handler.wasm");
  await build({ entry: "assembly/index.ts", outFile: out, debug: false, cwd: dir });
  return out;
}
