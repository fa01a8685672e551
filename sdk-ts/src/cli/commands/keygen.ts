import type { Command } from "commander";
import { generateKeyPairSync } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { keyId, rawPublicKey } from "../../signature/keys.js";
import { UserError } from "../errors.js";

/** Registers `gojinn keygen <name> [--force]`. */
export function registerKeygen(program: Command): void {
  program
    .command("keygen")
    .description("make an Ed25519 key pair for signing modules: <name>.key (private, mode 0600) and <name>.pub")
    .argument("<name>", "the files' name, without extension (e.g. keys/release)")
    .option("--force", "replace existing key files")
    .action(async (name: string, opts: { force?: boolean }) => {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const keyFile = `${name}.key`;
      const pubFile = `${name}.pub`;
      if (opts.force) await Promise.all([rm(keyFile, { force: true }), rm(pubFile, { force: true })]);
      try {
        // Created with its mode, never readable by others even for a moment.
        await writeFile(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
        await writeFile(pubFile, `${rawPublicKey(publicKey).toString("base64")}\n`, { mode: 0o644, flag: "wx" });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") {
          throw new UserError(`${(err as NodeJS.ErrnoException).path ?? name}: already exists (use --force to replace the key pair)`);
        }
        throw err;
      }
      process.stdout.write(
        `wrote ${keyFile} (private: keep it secret) and ${pubFile} (key id ${keyId(publicKey).toString("hex")})\n` +
          `trust it in the Caddyfile with: trusted_key ${rawPublicKey(publicKey).toString("base64")}\n`,
      );
    });
}
