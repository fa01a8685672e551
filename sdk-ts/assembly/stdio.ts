import { fd_read, fd_write } from "./wasi";

/** The standard input file descriptor. */
export const STDIN: u32 = 0;
/** The standard output file descriptor. */
export const STDOUT: u32 = 1;
/** The standard error file descriptor. */
export const STDERR: u32 = 2;

// One iovec (buf, len) followed by the out-count, reused by every call.
// @ts-ignore: decorator
@lazy const scratch = memory.data(4 * sizeof<usize>());

/**
 * Reads `fd` to its end (one fd_read is not enough: a pipe hands data over in
 * chunks) and returns the bytes. Stops at the first error.
 */
export function readAll(fd: u32): Uint8Array {
  // Requests are usually small; the buffer doubles for larger ones.
  let capacity: i32 = 4 * 1024;
  let buffer = new Uint8Array(capacity);
  let length: i32 = 0;
  while (true) {
    if (length == capacity) {
      capacity <<= 1;
      const bigger = new Uint8Array(capacity);
      memory.copy(bigger.dataStart, buffer.dataStart, <usize>length);
      buffer = bigger;
    }
    store<usize>(scratch, buffer.dataStart + <usize>length);
    store<usize>(scratch, <usize>(capacity - length), sizeof<usize>());
    const err = fd_read(fd, scratch, 1, scratch + 2 * sizeof<usize>());
    const n = <i32>load<usize>(scratch, 2 * sizeof<usize>());
    if (err != 0 || n == 0) break;
    length += n;
  }
  return buffer.subarray(0, length);
}

/** Writes `length` bytes at `ptr` to `fd`, looping over partial writes. */
export function writeAll(fd: u32, ptr: usize, length: usize): void {
  while (length > 0) {
    store<usize>(scratch, ptr);
    store<usize>(scratch, length, sizeof<usize>());
    const err = fd_write(fd, scratch, 1, scratch + 2 * sizeof<usize>());
    const n = load<usize>(scratch, 2 * sizeof<usize>());
    if (err != 0 || n == 0) return;
    ptr += n;
    length -= n;
  }
}

/** Writes a string to `fd` as UTF-8. */
export function writeString(fd: u32, text: string): void {
  const bytes = String.UTF8.encode(text);
  writeAll(fd, changetype<usize>(bytes), <usize>bytes.byteLength);
}
