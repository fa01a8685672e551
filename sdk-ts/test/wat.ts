import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Compiles a WAT guest of test/fixtures/wat/ with wat2wasm, as the Go tests build theirs. */
export function wat(name: string): string {
  const out = path.join(mkdtempSync(path.join(tmpdir(), "gojinn-wat-")), `${name}.wasm`);
  execFileSync("wat2wasm", [fileURLToPath(new URL(`./fixtures/wat/${name}.wat`, import.meta.url)), "-o", out]);
  return out;
}
