import type { Command } from "commander";
import { signFile } from "../../signature/sign-file.js";

/** Registers `gojinn sign --key <name.key> [-o out.wasm] <module.wasm>`. */
export function registerSign(program: Command): void {
  program
    .command("sign")
    .description("sign a WebAssembly module with an Ed25519 key (a gojinn.signature custom section; any module, Go or AssemblyScript)")
    .argument("<wasm>", "the module to sign (in place, unless -o)")
    .requiredOption("--key <file>", "the private key (<name>.key from gojinn keygen)")
    .option("-o, --out <file>", "write the signed module here instead")
    .action(async (file: string, opts: { key: string; out?: string }) => {
      const out = opts.out ?? file;
      const signed = await signFile(file, opts.key, out);
      process.stdout.write(`signed ${out} with key ${signed.keyId}${signed.replaced ? " (replaced its earlier signature)" : ""}\n`);
    });
}
