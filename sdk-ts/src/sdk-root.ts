import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The directory of the gojinn package (sdk-ts/), wherever it is installed. */
export const SDK_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The directory of package `name` as the SDK sees it: its own node_modules,
 * or a node_modules above it (where npm hoists dependencies).
 */
export function findPackageDir(name: string): string | null {
  let dir = SDK_ROOT;
  for (;;) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Like findPackageDir, but an error naming the package when it is missing. */
export function requirePackageDir(name: string): string {
  const dir = findPackageDir(name);
  if (dir === null) throw new Error(`the SDK's dependency ${name} is not installed (run npm install in ${SDK_ROOT})`);
  return dir;
}
