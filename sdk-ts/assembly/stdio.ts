import { encodeUtf8 } from "./utf8";
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

// The length of the last readToHeap. Static memory rather than a global:
// every global of a module costs the host allocations at each instantiation.
// @ts-ignore: decorator
@lazy const lastLength = memory.data(sizeof<usize>());

/**
 * The bytes readToHeap keeps after the data: 32, the first of them 0, so
 * that SIMD code can read whole blocks past the end (see jsonread.ts).
 */
// @ts-ignore: decorator
@inline export const READ_SLACK: usize = 32;

/**
 * Reads `fd` to its end (one fd_read is not enough: a pipe hands data over in
 * chunks) into a heap block and returns its address; readLength() is the
 * number of bytes. Stops at the first error. The block grows with
 * heap.realloc, which the stub runtime does in place for the newest block, so
 * a large body is not copied at every doubling. READ_SLACK zero bytes follow
 * the data.
 */
export function readToHeap(fd: u32): usize {
  // Requests are usually small (a first 64 KiB block made hello-as grow its
  // memory on every request); the buffer doubles in place for larger ones.
  let capacity: usize = 4 * 1024;
  let buffer = heap.alloc(capacity);
  // A small request is one read and the empty read of its end: both before
  // the loop, which runs only for more (each pass through a loop is an exit
  // to the host under WithCloseOnContextDone).
  let length = readSome(fd, buffer, capacity - READ_SLACK);
  if (length != 0) {
    if (length + READ_SLACK >= capacity) {
      capacity <<= 1;
      buffer = heap.realloc(buffer, capacity);
    }
    let n = readSome(fd, buffer + length, capacity - READ_SLACK - length);
    if (n != 0) {
      do {
        length += n;
        if (length + READ_SLACK >= capacity) {
          capacity <<= 1;
          buffer = heap.realloc(buffer, capacity);
        }
        n = readSome(fd, buffer + length, capacity - READ_SLACK - length);
      } while (n != 0);
    }
  }
  v128.store(buffer + length, v128.splat<i64>(0));
  v128.store(buffer + length, v128.splat<i64>(0), 16);
  store<usize>(lastLength, length);
  return buffer;
}

// One fd_read of up to `size` bytes at `ptr`; 0 at the end or on an error.
function readSome(fd: u32, ptr: usize, size: usize): usize {
  store<usize>(scratch, ptr);
  store<usize>(scratch, size, sizeof<usize>());
  const err = fd_read(fd, scratch, 1, scratch + 2 * sizeof<usize>());
  return err != 0 ? 0 : load<usize>(scratch, 2 * sizeof<usize>());
}

/** The number of bytes the last readToHeap read. */
export function readLength(): usize {
  return load<usize>(lastLength);
}

/** Reads `fd` to its end and returns the bytes. */
export function readAll(fd: u32): Uint8Array {
  const buffer = readToHeap(fd);
  const length = readLength();
  const out = new Uint8Array(<i32>length);
  memory.copy(out.dataStart, buffer, length);
  heap.free(buffer);
  return out;
}

/** Writes `length` bytes at `ptr` to `fd`, looping over partial writes. */
export function writeAll(fd: u32, ptr: usize, length: usize): void {
  // One fd_write takes it all (the host buffers); the loop is for the rest.
  let n = writeSome(fd, ptr, length);
  if (n != 0 && n < length) {
    do {
      ptr += n;
      length -= n;
      n = writeSome(fd, ptr, length);
    } while (n != 0 && n < length);
  }
}

// One fd_write of `length` bytes at `ptr`; the bytes written, 0 on an error.
function writeSome(fd: u32, ptr: usize, length: usize): usize {
  if (length == 0) return 0;
  store<usize>(scratch, ptr);
  store<usize>(scratch, length, sizeof<usize>());
  const err = fd_write(fd, scratch, 1, scratch + 2 * sizeof<usize>());
  return err != 0 ? 0 : load<usize>(scratch, 2 * sizeof<usize>());
}

/** Writes a string to `fd` as UTF-8. */
export function writeString(fd: u32, text: string): void {
  const bytes = encodeUtf8(text);
  writeAll(fd, bytes.dataStart, <usize>bytes.length);
}
