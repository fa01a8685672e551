import type { Command } from "commander";
import { readPublicKey, verifyModule } from "../../signature/keys.js";
import { readWasmFile } from "../../wasm/inspect.js";
import { UserError } from "../errors.js";

/** Registers `gojinn verify --key <pub>... <module.wasm>`. */
export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("check a module's signature as Caddy does with trusted_key: exit status 1 unless it is signed by one of the keys")
    .argument("<wasm>", "the module to verify")
    .requiredOption(
      "--key <pub>",
      "a trusted public key: a .pub file, its base64 content, or a PEM public key file (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (file: string, opts: { key: string[] }) => {
      const keys = await Promise.all(opts.key.map(readPublicKey));
      const module = await readWasmFile(file);
      let result;
      try {
        result = verifyModule(module, keys);
      } catch (err) {
        throw new UserError(`${file}: ${(err as Error).message}`);
      }
      if (!result.ok) throw new UserError(`${file}: ${result.reason}`);
      process.stdout.write(`ok: ${file} is signed by key ${result.keyId}\n`);
    });
}
