// What `gojinn dev` builds and watches: an AssemblyScript project (its
// entry under assembly/) or a Go one (a go.mod); each build goes to a file
// beside the output and replaces it only when it succeeded, so a failed
// build leaves the last good module in place.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { build } from "../build/compile.js";
import { buildGo, isGoProject } from "../build/go.js";
import { walk } from "./tree-watch.js";

/** A handler project as `gojinn dev` sees it. */
export interface Project {
  kind: "assemblyscript" | "go";
  /** The project's directory. */
  dir: string;
  /** The entry file (AssemblyScript) or main package (Go), as given. */
  entry: string;
  /** The module served: build/handler.wasm. */
  outFile: string;
  /** The directory whose changes trigger a rebuild. */
  watchDir: string;
  /** Whether a changed file (relative to watchDir) is a source of the build. */
  isSource(rel: string): boolean;
  /** Whether a directory (relative to watchDir) is outside the sources: build output, dependencies, hidden. */
  isSkipped(rel: string): boolean;
}

/** The default module path, as `gojinn build` writes it and the templates' Caddyfiles serve it. */
export const DEV_OUT = path.join("build", "handler.wasm");

/** Directories that hold no sources: build output, dependencies, hidden ones. */
function isSkipped(rel: string): boolean {
  return rel !== "." && rel !== "" && rel.split(path.sep).some((p) => p === "build" || p === "node_modules" || p.startsWith("."));
}

/** The project in `dir`: Go when it has a go.mod, else AssemblyScript with `entry` (default assembly/index.ts). */
export async function detectProject(dir: string, entry: string | undefined): Promise<Project> {
  const outFile = path.join(dir, DEV_OUT);
  if (await isGoProject(dir)) {
    return {
      kind: "go",
      dir,
      entry: entry ?? ".",
      outFile,
      watchDir: dir,
      isSource: (rel) => !isSkipped(path.dirname(rel)) && (rel.endsWith(".go") || ["go.mod", "go.sum"].includes(path.basename(rel))),
      isSkipped,
    };
  }
  const file = entry ?? "assembly/index.ts";
  return {
    kind: "assemblyscript",
    dir,
    entry: file,
    outFile,
    watchDir: path.dirname(path.resolve(dir, file)),
    isSource: (rel) => rel.endsWith(".ts") && !rel.endsWith(".gojinn-entry.ts") && !isSkipped(path.dirname(rel)),
    isSkipped,
  };
}

/** A hash of every source file's name and content: a rebuild is skipped when it has not changed. */
export async function sourceFingerprint(project: Project): Promise<string> {
  const hash = createHash("sha256");
  let files: string[] = [];
  try {
    files = walk(project.watchDir, project.isSkipped).files.filter(project.isSource).sort();
  } catch {
    // the directory is gone for now: an empty fingerprint
  }
  for (const rel of files) {
    const content = await readFile(path.join(project.watchDir, rel)).catch(() => null);
    if (content === null) continue;
    hash.update(`${rel}\0${content.length}\0`).update(content);
  }
  return hash.digest("hex");
}

/** Builds the project; the new module replaces outFile only on success. Throws a UserError with the compiler's output. */
export async function buildProject(project: Project): Promise<{ diagnostics: string }> {
  const next = project.outFile.replace(/\.wasm$/, "") + ".next.wasm";
  await mkdir(path.dirname(next), { recursive: true });
  try {
    let diagnostics = "";
    if (project.kind === "go") await buildGo(project.dir, project.entry, next);
    else ({ diagnostics } = await build({ entry: project.entry, outFile: next, debug: false, cwd: project.dir }));
    await rename(next, project.outFile);
    return { diagnostics };
  } finally {
    await rm(next, { force: true });
  }
}
