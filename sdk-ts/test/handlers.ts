import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (sdk-ts/..). */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The AssemblyScript handlers `make examples` builds (Makefile AS_HANDLERS). */
export const AS_HANDLERS = [
  "examples/hello-as",
  "examples/json-api-as",
  "examples/router-as",
  "examples/sha256-as",
  "examples/counter-as",
  "contract/handler",
]
  .map((dir) => path.join(REPO_ROOT, dir))
  .filter((dir) => existsSync(path.join(dir, "assembly", "index.ts")));

/** The built module of a handler folder. */
export function handlerWasm(dir: string): string {
  return path.join(dir, "build", "handler.wasm");
}
