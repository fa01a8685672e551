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
 * chunks) and returns the bytes. Stops at the first error. The buffer grows
 * with heap.realloc, which the stub runtime does in place for the newest
 * block, so a large body is not copied at every doubling.
 */
export function readAll(fd: u32): Uint8Array {
  const length = readToHeap(fd);
  const out = new Uint8Array(<i32>length);
  memory.copy(out.dataStart, lastRead, length);
  heap.free(lastRead);
  return out;
}

/** Reads `fd` to its end and decodes it as UTF-8, without an intermediate copy. */
export function readAllText(fd: u32): string {
  const length = readToHeap(fd);
  const text = String.UTF8.decodeUnsafe(lastRead, length);
  heap.free(lastRead);
  return text;
}

// @ts-ignore: decorator
@lazy let lastRead: usize = 0;

function readToHeap(fd: u32): usize {
  // Requests are usually small (a first 64 KiB block made hello-as grow its
  // memory on every request); the buffer doubles in place for larger ones.
  let capacity: usize = 4 * 1024;
  let buffer = heap.alloc(capacity);
  let length: usize = 0;
  while (true) {
    if (length == capacity) {
      capacity <<= 1;
      buffer = heap.realloc(buffer, capacity);
    }
    store<usize>(scratch, buffer + length);
    store<usize>(scratch, capacity - length, sizeof<usize>());
    const err = fd_read(fd, scratch, 1, scratch + 2 * sizeof<usize>());
    const n = load<usize>(scratch, 2 * sizeof<usize>());
    if (err != 0 || n == 0) break;
    length += n;
  }
  lastRead = buffer;
  return length;
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
