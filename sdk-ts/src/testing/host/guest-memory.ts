// The guest's linear memory as host functions see it: every (ptr, len) is
// checked before it is used (docs/host-abi.md, "Bounds"). Pointers and
// lengths arrive as signed i32 numbers and are read as unsigned.

/** A range of the guest's memory that is out of bounds. */
export class OutOfBounds extends Error {}

/** Reads and writes the guest's exported memory, bounds-checked. */
export class GuestMemory {
  constructor(private readonly memory: () => WebAssembly.Memory) {}

  /** Throws OutOfBounds unless `len` bytes at `ptr` are inside memory. */
  check(ptr: number, len: number): void {
    const p = ptr >>> 0;
    const n = len >>> 0;
    if (p + n > this.memory().buffer.byteLength) throw new OutOfBounds(`${n} bytes at ${p}`);
  }

  /** A copy of `len` bytes at `ptr` (checked). */
  read(ptr: number, len: number): Uint8Array {
    this.check(ptr, len);
    return new Uint8Array(this.memory().buffer, ptr >>> 0, len >>> 0).slice();
  }

  /** Writes `bytes` at `ptr` (checked before). */
  write(ptr: number, bytes: Uint8Array): void {
    new Uint8Array(this.memory().buffer, ptr >>> 0, bytes.length).set(bytes);
  }

  /** Writes a little-endian u32 at `ptr` (checked before). */
  writeU32(ptr: number, value: number): void {
    new DataView(this.memory().buffer).setUint32(ptr >>> 0, value, true);
  }

  /** Writes a little-endian 64-bit integer at `ptr` (checked before). */
  writeI64(ptr: number, value: bigint): void {
    new DataView(this.memory().buffer).setBigInt64(ptr >>> 0, BigInt.asIntN(64, value), true);
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes strict UTF-8; null when the bytes are not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
