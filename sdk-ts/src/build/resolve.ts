import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { requirePackageDir, SDK_ROOT } from "../sdk-root.js";

/**
 * A directory that does not exist on disk, given to asc as a package path
 * (`--path`). Reads under it are served from the SDK and its dependencies, so
 * a handler folder compiles `import ... from "gojinn"` (and json-as, which
 * the transform imports) without an npm install of its own.
 */
export const VIRTUAL_PACKAGES = path.join(SDK_ROOT, ".gojinn-packages");

/** Maps a path under VIRTUAL_PACKAGES to the real file; null for other paths. */
export function mapVirtualPath(file: string): string | null {
  const rel = path.relative(VIRTUAL_PACKAGES, file);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  const scoped = parts[0]?.startsWith("@") ?? false;
  const nameParts = parts.slice(0, scoped ? 2 : 1);
  const name = nameParts.join("/");
  const rest = parts.slice(nameParts.length);
  const packageDir = name === "gojinn" ? SDK_ROOT : requirePackageDir(name);
  return path.join(packageDir, ...rest);
}

/**
 * The `readFile` asc calls for every source: files under VIRTUAL_PACKAGES
 * come from the SDK, every other file from disk. Returns null for a missing
 * file, as asc expects.
 */
export async function readSourceFile(name: string, baseDir: string): Promise<string | null> {
  const file = path.resolve(baseDir, name);
  let real: string | null = file;
  try {
    real = mapVirtualPath(file);
  } catch {
    return null;
  }
  try {
    return await readFile(real ?? file, "utf8");
  } catch {
    return null;
  }
}

/**
 * The `listFiles` asc calls for `--lib` directories: the `.ts` files (not
 * `.d.ts`) directly in `dirname`, which may be absolute. (asc's own joins
 * baseDir and an absolute dirname into a path that does not exist.)
 */
export async function listSourceFiles(dirname: string, baseDir: string): Promise<string[] | null> {
  try {
    const names = await readdir(path.resolve(baseDir, dirname));
    return names.filter((n) => n.endsWith(".ts") && !n.endsWith(".d.ts"));
  } catch {
    return null;
  }
}
