import { readFileSync } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import asc from "assemblyscript/asc";
import { requirePackageDir } from "../sdk-root.js";
import { compileWasm, describeModule, ModuleInfo, readWasmFile, UserError } from "../wasm/inspect.js";
import { directizeCalls } from "../wasm/directize.js";
import { tidyFunctionNames } from "../wasm/function-names.js";
import { mergeDataSegments } from "../wasm/merge-data.js";
import { preEvaluateStart } from "../wasm/pre-evaluate.js";
import { listSourceFiles, readSourceFile, VIRTUAL_PACKAGES } from "./resolve.js";

/** What to build and how. */
export interface BuildOptions {
  /** The handler's entry file (default `assembly/index.ts`). */
  entry: string;
  /** The output file (default `build/handler.wasm`). */
  outFile: string;
  /** Unoptimized, with debug info and a source map, instead of -O3. */
  debug: boolean;
  /** The directory relative paths are taken from (default: the current one). */
  cwd: string;
}

/** The result of a successful build. */
export interface BuildResult {
  /** Absolute path of the written module. */
  outFile: string;
  /** Its size, imports and exports. */
  info: ModuleInfo;
  /** asc's warnings, if any. */
  diagnostics: string;
}

/** The name asc compiles `entry` under: `x.ts` becomes `x.gojinn-entry.ts` beside it. */
export function entryAlias(entry: string): string {
  return entry.replace(/\.ts$/, "") + ".gojinn-entry.ts";
}

/**
 * asc's diagnostics without the warnings about library code (json-as has a
 * few on every build) that a handler author can do nothing about. Errors are
 * always kept.
 */
export function withoutLibraryWarnings(diagnostics: string): string {
  return diagnostics
    .split(/\n\s*\n/)
    .filter((block) => !(block.trimStart().startsWith("WARNING") && /└─ in ~lib\//.test(block)))
    .filter((block) => block.trim() !== "Last converge was suboptimal.")
    .join("\n\n")
    .trim();
}

/** The `abort` every gojinn handler gets: a throw becomes a logged 500 (assembly/failure.ts). */
export const ABORT_HANDLER = "~lib/gojinn/assembly/failure/handlerAborted";

interface ShimConfig {
  options: { lib: string; use: string[]; exportStart: string };
}

/** The asc arguments for a build, without the entry and output. */
export function ascArguments(debug: boolean): string[] {
  const shimDir = requirePackageDir("@assemblyscript/wasi-shim");
  const shim = JSON.parse(readFileSync(path.join(shimDir, "asconfig.json"), "utf8")) as ShimConfig;
  const jsonAs = requirePackageDir("json-as");
  const args = [
    "--lib",
    path.join(shimDir, shim.options.lib),
    "--exportStart",
    shim.options.exportStart,
    "--runtime",
    "stub",
    "--transform",
    path.join(jsonAs, "transform", "lib", "index.js"),
    "--path",
    VIRTUAL_PACKAGES,
    "--use",
    `abort=${ABORT_HANDLER}`,
    // The SDK reads and writes JSON 16 bytes per step with wasm SIMD
    // (assembly/jsonread.ts, utf8.ts); wazero and Node support it.
    "--enable",
    "simd",
  ];
  for (const use of shim.options.use) {
    if (!use.startsWith("abort=")) args.push("--use", use);
  }
  // Function names (the name section) in optimized builds too, so that a
  // trap's stack names the handler's functions, in Caddy's log and in the
  // harness: +2.7 KB for a hello handler (docs/sdk-ts.md, Build, has the costs).
  args.push("--debug");
  if (debug) args.push("--sourceMap");
  else args.push("-O3", "--shrinkLevel", "1");
  return args;
}

/**
 * Compiles an AssemblyScript handler with asc, the WASI shim and the json-as
 * transform, then checks the result: a module that is empty or lacks `_start`
 * (asc has been seen to write one with exit code 0) is an error.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const entry = path.resolve(options.cwd, options.entry);
  const outFile = path.resolve(options.cwd, options.outFile);
  try {
    const s = await stat(entry);
    if (!s.isFile()) throw new UserError(`${options.entry}: not a file`);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${options.entry}: no such file (the handler's entry, e.g. assembly/index.ts)`);
  }
  await mkdir(path.dirname(outFile), { recursive: true });
  // json-as 1.6.0's default (SWAR) string serializer splits a surrogate pair
  // that straddles an 8-byte block and writes invalid UTF-8 (an emoji in a
  // response body came out as a lone high surrogate and "\\ude00"). Its naive
  // serializer is correct; the transform reads this variable.
  process.env["JSON_MODE"] ??= "naive";
  // json-as 1.6.0 allocates (and zero-fills) its string cache's 1 MiB arena
  // at start-up even with the cache off, which made a hello handler's memory
  // 34 pages and its run ~10x slower; a 128-byte cache keeps it 1 page.
  process.env["JSON_CACHE"] ??= "128";
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  // json-as's transform demotes a source whose internal path is exactly
  // "assembly/index" to a library file, so an entry at assembly/index.ts
  // compiled to an empty _start. asc is therefore given the entry under an
  // alias in the same directory (relative imports still resolve), and the
  // alias is mapped back to the real file here and in the diagnostics.
  const alias = entryAlias(entry);
  const readFile = async (name: string, baseDir: string): Promise<string | null> =>
    readSourceFile(path.resolve(baseDir, name) === alias ? entry : name, baseDir);
  const argv = [alias, "--outFile", outFile, "--baseDir", options.cwd, "--noColors", ...ascArguments(options.debug)];
  const { error } = await asc.main(argv, { stdout, stderr, readFile, listFiles: listSourceFiles });
  const diagnostics = withoutLibraryWarnings(stderr.toString())
    .split(path.relative(options.cwd, alias).split(path.sep).join("/"))
    .join(path.relative(options.cwd, entry).split(path.sep).join("/"));
  if (error) {
    throw new UserError(`build failed: ${error.message}${diagnostics ? `\n${diagnostics}` : ""}`);
  }
  let bytes = await readWasmFile(outFile);
  let rewritten = bytes;
  if (!options.debug) {
    // Direct calls instead of a function table for `serve(handle)`
    // (src/wasm/directize.ts); static initializers run once here instead of
    // at every request (src/wasm/pre-evaluate.ts); then one data segment
    // instead of hundreds. Each makes an instantiation cheaper.
    const evaluated = await preEvaluateStart(directizeCalls(bytes));
    rewritten = mergeDataSegments(evaluated).bytes;
  }
  // A trap's stack names the handler's functions as in its source.
  rewritten = tidyFunctionNames(rewritten, path.basename(alias, ".ts").slice(path.basename(entry, ".ts").length));
  if (rewritten !== bytes) {
    bytes = rewritten;
    await writeFile(outFile, bytes);
  }
  const module = await compileWasm(bytes, outFile);
  const info = describeModule(module, bytes.length);
  if (!info.exports.some((e) => e.name === "_start" && e.kind === "function")) {
    throw new UserError(
      `build failed: ${options.outFile} has no _start export (${bytes.length} bytes); asc reported no error${diagnostics ? `:\n${diagnostics}` : ""}`,
    );
  }
  return { outFile, info, diagnostics };
}
