// Go handler projects (a go.mod in the project's directory): built with
// the Go toolchain for WASI, as `GOOS=wasip1 GOARCH=wasm go build` does.
import { execFile } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { compileWasm, describeModule, readWasmFile, UserError } from "../wasm/inspect.js";
import type { BuildResult } from "./compile.js";

/** Whether `dir` holds a Go module (a go.mod), which `gojinn build` and `gojinn dev` then build with go. */
export async function isGoProject(dir: string): Promise<boolean> {
  return (await stat(path.join(dir, "go.mod")).catch(() => null))?.isFile() ?? false;
}

/**
 * Builds the Go main package `pkg` (default ".") of the module in `dir` to
 * `outFile` for wasip1. A compile error is a UserError with go's output.
 */
export function buildGo(dir: string, pkg: string, outFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      "go",
      ["build", "-o", outFile, pkg],
      { cwd: dir, env: { ...process.env, GOOS: "wasip1", GOARCH: "wasm" }, maxBuffer: 16 << 20 },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return reject(new UserError("go: not found on PATH (a Go project needs Go 1.26 or later)"));
        reject(new UserError(`build failed: go build (GOOS=wasip1 GOARCH=wasm) exited with ${err.code}${stderr.trim() ? `\n${stderr.trim()}` : ""}`));
      },
    );
  });
}

/** `gojinn build` in a Go project: builds `pkg` to `outFile` (relative to `dir`) and describes the module as build() does. */
export async function buildGoProject(dir: string, pkg: string, outFile: string): Promise<BuildResult> {
  const out = path.resolve(dir, outFile);
  await mkdir(path.dirname(out), { recursive: true });
  await buildGo(dir, pkg, out);
  const bytes = await readWasmFile(out);
  return { outFile: out, info: describeModule(await compileWasm(bytes, outFile), bytes.length), diagnostics: "" };
}
