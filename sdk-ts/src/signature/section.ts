/**
 * The module signature format, the same as the host's
 * (internal/signature in the Go module; docs/signing.md):
 *
 * - a custom section (id 0) named `gojinn.signature`, whose payload after
 *   the name is exactly 73 bytes: a version byte (1), the key id (the first
 *   8 bytes of SHA-256 over the raw 32-byte Ed25519 public key) and the
 *   64-byte Ed25519 signature;
 * - the signed message is the module's bytes with that whole section
 *   removed (its id byte, LEB128 size and payload); signing appends the
 *   section at the end, after removing any earlier one;
 * - at most one such section.
 *
 * Sections are found by walking the module's structure, never by searching
 * for bytes.
 */
import { uleb } from "../wasm/binary.js";
import { UserError } from "../wasm/inspect.js";

/** The custom section's name. */
export const SECTION_NAME = "gojinn.signature";
/** The payload format written and read. */
export const FORMAT_VERSION = 1;
/** Length of a key id in bytes. */
export const KEY_ID_SIZE = 8;
/** Length of an Ed25519 signature in bytes. */
export const SIGNATURE_SIZE = 64;

const PAYLOAD_SIZE = 1 + KEY_ID_SIZE + SIGNATURE_SIZE;
const NAME_BYTES = new TextEncoder().encode(SECTION_NAME);

/** A module split into its signature (if any) and the message it signs. */
export interface SplitModule {
  /** The module without its signature section. */
  message: Uint8Array;
  /** The signature section's content, when there is one. */
  signature?: { keyId: Uint8Array; sig: Uint8Array };
}

/** Reads an unsigned LEB128 number of at most 32 bits at `pos`: [value, length]. */
function uleb32(bytes: Uint8Array, pos: number, what: string): [number, number] {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= bytes.length) throw new UserError(`${what}: unexpected end of module`);
    const b = bytes[pos + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) throw new UserError(`${what}: LEB128 number over 32 bits`);
      return [value, i + 1];
    }
  }
  throw new UserError(`${what}: LEB128 number longer than 5 bytes`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Walks the module's sections and separates the signature section from the
 * rest. A module malformed at the section level, a second signature
 * section, or a payload of another version or size is a UserError.
 */
export function splitModule(module: Uint8Array): SplitModule {
  if (module.length < 8 || !sameBytes(module.subarray(0, 4), Uint8Array.of(0, 0x61, 0x73, 0x6d))) {
    throw new UserError("not a WebAssembly module (no \\0asm header)");
  }
  let found: { start: number; end: number; keyId: Uint8Array; sig: Uint8Array } | undefined;
  let pos = 8;
  while (pos < module.length) {
    const start = pos;
    const id = module[pos++]!;
    const [size, n] = uleb32(module, pos, `section at byte ${start}: size`);
    pos += n;
    if (size > module.length - pos) {
      throw new UserError(`section at byte ${start}: size ${size} goes past the end of the module`);
    }
    const payload = module.subarray(pos, pos + size);
    pos += size;
    if (id !== 0) continue;
    const [nameSize, used] = uleb32(payload, 0, `custom section at byte ${start}: name size`);
    if (nameSize > payload.length - used) throw new UserError(`custom section at byte ${start}: name goes past the end of the section`);
    if (!sameBytes(payload.subarray(used, used + nameSize), NAME_BYTES)) continue;
    if (found) throw new UserError(`two ${SECTION_NAME} sections (at bytes ${found.start} and ${start})`);
    const rest = payload.subarray(used + nameSize);
    if (rest.length !== PAYLOAD_SIZE || rest[0] !== FORMAT_VERSION) {
      throw new UserError(
        `${SECTION_NAME} section at byte ${start}: want version ${FORMAT_VERSION} and ${PAYLOAD_SIZE} bytes, got ${rest.length} bytes of version ${rest[0] ?? "none"}`,
      );
    }
    found = { start, end: pos, keyId: rest.slice(1, 1 + KEY_ID_SIZE), sig: rest.slice(1 + KEY_ID_SIZE) };
  }
  if (!found) return { message: module };
  const message = new Uint8Array(module.length - (found.end - found.start));
  message.set(module.subarray(0, found.start), 0);
  message.set(module.subarray(found.end), found.start);
  return { message, signature: { keyId: found.keyId, sig: found.sig } };
}

/** The message with a signature section appended. */
export function appendSignature(message: Uint8Array, keyId: Uint8Array, sig: Uint8Array): Uint8Array {
  const payload = [...uleb(NAME_BYTES.length), ...NAME_BYTES, FORMAT_VERSION, ...keyId, ...sig];
  const section = [0, ...uleb(payload.length), ...payload];
  const out = new Uint8Array(message.length + section.length);
  out.set(message, 0);
  out.set(section, message.length);
  return out;
}
