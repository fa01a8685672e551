import type { Command } from "commander";
import { build } from "../../build/compile.js";
import { buildGoProject, isGoProject } from "../../build/go.js";
import { readPrivateKey } from "../../signature/keys.js";
import { signFile } from "../../signature/sign-file.js";
import { formatSize } from "../../wasm/inspect.js";

/** Default entry of `gojinn build`. */
export const DEFAULT_ENTRY = "assembly/index.ts";
/** Default output of `gojinn build`. */
export const DEFAULT_OUT = "build/handler.wasm";

/** Registers `gojinn build [entry] [-o out.wasm] [--debug] [--sign <key>]`. */
export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("compile an AssemblyScript handler to WebAssembly (WASI), optimized; in a Go project (go.mod), go build for wasip1")
    .argument("[entry]", `the handler's entry file (default ${DEFAULT_ENTRY}), or main package in a Go project (default .)`)
    .option("-o, --out <file>", "the output file", DEFAULT_OUT)
    .option("--debug", "no optimization, with debug info and a source map")
    .option("--sign <key>", "sign the module with this private key (<name>.key from gojinn keygen)")
    .action(async (entry: string | undefined, opts: { out: string; debug?: boolean; sign?: string }) => {
      if (opts.sign) await readPrivateKey(opts.sign); // a bad key fails before the build, not after
      const cwd = process.cwd();
      const result = (await isGoProject(cwd))
        ? await buildGoProject(cwd, entry ?? ".", opts.out)
        : await build({ entry: entry ?? DEFAULT_ENTRY, outFile: opts.out, debug: opts.debug ?? false, cwd });
      if (result.diagnostics) process.stderr.write(`${result.diagnostics}\n`);
      process.stdout.write(`built ${opts.out} (${formatSize(result.info.size)}, ${result.info.size} bytes)\n`);
      if (opts.sign) process.stdout.write(`signed ${opts.out} with key ${(await signFile(result.outFile, opts.sign)).keyId}\n`);
    });
}
