// The three WASI preview1 functions the SDK needs. Declared here (rather than
// taken from @assemblyscript/wasi-shim's bindings) so the SDK's imports are
// visible in one place: a gojinn handler imports nothing but these, plus what
// the handler itself uses from the shim (clocks, random, environ, args).

/** Reads from a file descriptor into the buffers described by `iovs`. */
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_read")
export declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u16;

/** Writes the buffers described by `iovs` to a file descriptor. */
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
export declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): u16;

/** Ends the process with an exit code; never returns. */
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "proc_exit")
export declare function proc_exit(code: u32): void;
