/**
 * Runs the start-up part of a handler's `_start` at build time.
 *
 * Gojinn instantiates a handler for every request, so everything `_start`
 * does before it reads stdin is repeated each time: json-as's and the SDK's
 * static initializers (about twenty allocations and two thousand wasm
 * instructions even in a hello handler), a Router built at the top level,
 * and so on. Binaryen's wasm-ctor-eval executes that prefix of `_start` at
 * build time, up to the first call of an import (the read of stdin, a clock,
 * the environment), and writes the memory and globals it produced into the
 * module: the result starts each request where the prefix ended.
 *
 * wasm-ctor-eval only evaluates the top level of the function it is given,
 * and asc's `_start` is a call of the compiled top-level code, so that code
 * is first inlined into `_start` (binaryen's own inlining pass, allowed
 * here to inline a function with loops, which the read of stdin has) and its
 * block flattened. Only the top-level code (asc's `start:` functions) is
 * inlined: the library's and the handler's functions (`~lib/...`,
 * `assembly/...`) stay functions, so that a trap's stack still names them.
 * (Inlining everything too put the whole handler into `_start`, for no
 * fewer instructions per request: a hello request's fuel went 7769 -> 7729.)
 *
 * Anything that goes wrong leaves the module as asc wrote it: this is an
 * optimization only.
 */

import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import binaryen from "binaryen";
import { requirePackageDir } from "../sdk-root.js";

// Inlining then block flattening so the top-level code is `_start`'s own.
const FLATTEN_PASSES = ["inlining", "merge-blocks", "remove-unused-brs", "merge-blocks", "vacuum"];

/** `_start` with its top-level code inlined and flattened (binaryen), or null. */
function inlineStart(bytes: Uint8Array): Uint8Array | null {
  // These are process-wide settings of binaryen.js, which asc sets too (a
  // one-caller limit of 80, for one): set for this run, then put back.
  const loops = binaryen.getAllowInliningFunctionsWithLoops();
  const oneCaller = binaryen.getOneCallerInlineMaxSize();
  const optimize = binaryen.getOptimizeLevel();
  const shrink = binaryen.getShrinkLevel();
  const debugInfo = binaryen.getDebugInfo();
  const module = binaryen.readBinary(bytes);
  try {
    module.setFeatures(binaryen.Features.All);
    binaryen.setAllowInliningFunctionsWithLoops(true);
    binaryen.setOneCallerInlineMaxSize(-1); // no limit
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(1);
    binaryen.setDebugInfo(true); // keeps the function names
    for (const pattern of ["~lib/*", "assembly/*"]) {
      binaryen.setPassArgument("no-inline", pattern);
      module.runPasses(["no-inline"]);
    }
    module.runPasses(FLATTEN_PASSES);
    if (!module.validate()) return null;
    return module.emitBinary();
  } finally {
    module.dispose();
    binaryen.setAllowInliningFunctionsWithLoops(loops);
    binaryen.setOneCallerInlineMaxSize(oneCaller);
    binaryen.setOptimizeLevel(optimize);
    binaryen.setShrinkLevel(shrink);
    binaryen.setDebugInfo(debugInfo);
    binaryen.setPassArgument("no-inline", null);
  }
}

/**
 * The module with the start-up prefix of `_start` evaluated (see above), or
 * the same bytes when that is not possible.
 */
export async function preEvaluateStart(bytes: Uint8Array): Promise<Uint8Array> {
  // Binaryen aborts on a module it cannot read: give it only valid ones.
  if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) return bytes;
  let inlined: Uint8Array | null;
  try {
    inlined = inlineStart(bytes);
  } catch {
    return bytes;
  }
  if (inlined === null) return bytes;
  const dir = await mkdtemp(path.join(tmpdir(), "gojinn-ctor-eval-"));
  try {
    const input = path.join(dir, "in.wasm");
    const output = path.join(dir, "out.wasm");
    await writeFile(input, inlined);
    const tool = path.join(requirePackageDir("binaryen"), "bin", "wasm-ctor-eval");
    // --liftoff-only: V8 compiles the tool's 9 MB of wasm with its baseline
    // compiler only; the run took 0.46 s instead of 1.8-2.1 s (the whole of
    // a rebuild's time under gojinn dev, otherwise), with the same output.
    const run = spawnSync(
      process.execPath,
      ["--liftoff-only", tool, input, "-o", output, "--ctors=_start", "--kept-exports=_start", "--all-features", "--quiet", "--debuginfo"],
      { encoding: "utf8" },
    );
    if (run.status !== 0) return bytes;
    return new Uint8Array(await readFile(output));
  } catch {
    return bytes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
