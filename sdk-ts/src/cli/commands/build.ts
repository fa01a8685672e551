import type { Command } from "commander";
import { build } from "../../build/compile.js";
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
    .description("compile an AssemblyScript handler to WebAssembly (WASI), optimized")
    .argument("[entry]", "the handler's entry file", DEFAULT_ENTRY)
    .option("-o, --out <file>", "the output file", DEFAULT_OUT)
    .option("--debug", "no optimization, with debug info and a source map")
    .option("--sign <key>", "sign the module with this private key (<name>.key from gojinn keygen)")
    .action(async (entry: string, opts: { out: string; debug?: boolean; sign?: string }) => {
      if (opts.sign) await readPrivateKey(opts.sign); // a bad key fails before the build, not after
      const result = await build({ entry, outFile: opts.out, debug: opts.debug ?? false, cwd: process.cwd() });
      if (result.diagnostics) process.stderr.write(`${result.diagnostics}\n`);
      process.stdout.write(`built ${opts.out} (${formatSize(result.info.size)}, ${result.info.size} bytes)\n`);
      if (opts.sign) process.stdout.write(`signed ${opts.out} with key ${(await signFile(result.outFile, opts.sign)).keyId}\n`);
    });
}
