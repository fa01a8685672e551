/** Signing a module file in place or into another file. */
import { chmod, rename, stat, writeFile } from "node:fs/promises";
import { createPublicKey } from "node:crypto";
import path from "node:path";
import { readWasmFile } from "../wasm/inspect.js";
import { keyId, readPrivateKey, signModule } from "./keys.js";
import { splitModule } from "./section.js";

/** What signing a file did. */
export interface SignedFile {
  /** The key id, in hex. */
  keyId: string;
  /** The module had a signature section, now replaced. */
  replaced: boolean;
}

/**
 * Signs the module `file` with the private key in `keyFile`, writing it to
 * `outFile` (default: `file` itself, replaced atomically with its mode kept).
 */
export async function signFile(file: string, keyFile: string, outFile: string = file): Promise<SignedFile> {
  const key = await readPrivateKey(keyFile);
  const module = await readWasmFile(file);
  const replaced = splitModule(module).signature !== undefined;
  const signed = signModule(module, key);
  const tmp = path.join(path.dirname(outFile), `.${path.basename(outFile)}.${process.pid}.tmp`);
  await writeFile(tmp, signed);
  await chmod(tmp, (await stat(file)).mode & 0o777);
  await rename(tmp, outFile);
  return { keyId: keyId(createPublicKey(key)).toString("hex"), replaced };
}
