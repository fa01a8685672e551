/** Ed25519 keys as `gojinn keygen` writes them, and signing with them (node:crypto). */
import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from "node:crypto";
import { readFile } from "node:fs/promises";
import { UserError } from "../wasm/inspect.js";
import { appendSignature, KEY_ID_SIZE, splitModule } from "./section.js";

/** The raw 32 bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  return Buffer.from(jwk.x!, "base64url");
}

/** A public key's id: the first 8 bytes of SHA-256 over its raw bytes. */
export function keyId(publicKey: KeyObject): Buffer {
  return createHash("sha256").update(rawPublicKey(publicKey)).digest().subarray(0, KEY_ID_SIZE);
}

/** Reads a private key file (PKCS#8 PEM, as `gojinn keygen` writes); it must be Ed25519. */
export async function readPrivateKey(file: string): Promise<KeyObject> {
  const text = await readText(file, "private key");
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (err) {
    throw new UserError(`${file}: not a private key in PEM (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new UserError(`${file}: a ${key.asymmetricKeyType ?? "symmetric"} key, not Ed25519`);
  }
  return key;
}

/**
 * A public key given as the server's `trusted_key` takes it: standard base64
 * of the raw 32 bytes (the .pub file's content), or a file holding that or a
 * PEM "PUBLIC KEY" block.
 */
export async function readPublicKey(value: string): Promise<KeyObject> {
  const literal = parsePublicKey(value);
  if (literal instanceof KeyObject) return literal;
  const text = await readText(value, "public key", literal);
  const key = parsePublicKey(text);
  if (key instanceof KeyObject) return key;
  throw new UserError(`${value}: ${key}`);
}

/** The key, or why the text is not one. */
function parsePublicKey(text: string): KeyObject | string {
  text = text.trim();
  if (text.startsWith("-----BEGIN")) {
    try {
      const key = createPublicKey(text);
      return key.asymmetricKeyType === "ed25519" ? key : `a ${key.asymmetricKeyType ?? "symmetric"} key, not Ed25519`;
    } catch (err) {
      return `not a PEM public key (${(err as Error).message})`;
    }
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    return "not base64 (want the 32-byte Ed25519 public key in base64, as gojinn keygen writes it)";
  }
  const raw = Buffer.from(text, "base64");
  if (raw.length !== 32) return `${raw.length} bytes of base64, want 32 (an Ed25519 public key)`;
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
}

async function readText(file: string, what: string, notLiteral?: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new UserError(notLiteral ? `${file}: not a ${what} (${notLiteral}) nor a readable file (${reason})` : `${file}: ${reason}`);
  }
}

/** The module signed with `key`: an earlier signature section is replaced. */
export function signModule(module: Uint8Array, key: KeyObject): Uint8Array {
  const { message } = splitModule(module);
  return appendSignature(message, keyId(createPublicKey(key)), sign(null, message, key));
}

/** Why a module failed verification: the same states as the server's. */
export type VerifyFailure = "unsigned" | "unknown_key" | "bad_signature";

/** The outcome of verifying a module against trusted keys. */
export type VerifyResult = { ok: true; keyId: string } | { ok: false; state: VerifyFailure; keyId?: string; reason: string };

/** Verifies a module's signature against the trusted keys (malformed modules throw a UserError). */
export function verifyModule(module: Uint8Array, trusted: KeyObject[]): VerifyResult {
  const { message, signature } = splitModule(module);
  if (!signature) return { ok: false, state: "unsigned", reason: "the module is not signed" };
  const id = Buffer.from(signature.keyId).toString("hex");
  const candidates = trusted.filter((k) => keyId(k).equals(signature.keyId));
  if (candidates.length === 0) {
    return { ok: false, state: "unknown_key", keyId: id, reason: `signed by a key that is not trusted (key id ${id})` };
  }
  if (candidates.some((k) => verify(null, message, k, signature.sig))) return { ok: true, keyId: id };
  return { ok: false, state: "bad_signature", keyId: id, reason: `the signature does not match the module (key id ${id})` };
}
