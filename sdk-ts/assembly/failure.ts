import { writeLogLine } from "./log";
import { STDOUT, writeString } from "./stdio";
import { proc_exit } from "./wasi";

// What an exception in a handler becomes. AssemblyScript has no try/catch: a
// `throw` (or a failed assertion, an out-of-range index, ...) calls `abort`.
// `gojinn build` aliases `abort` to `handlerAborted` below, so instead of a
// trap the client gets a clean 500 and Caddy's log gets the reason.

// Whether the response has been written (a byte of static memory, not a
// global: every global costs the host allocations at each instantiation).
// @ts-ignore: decorator
@lazy const answeredCell = memory.data(4);

/** Records that the response has been written, so an abort after it adds none. */
export function markAnswered(): void {
  store<u8>(answeredCell, 1);
}

/** The body of the 500 answer to a failed handler. */
export const INTERNAL_ERROR_RESPONSE =
  '{"status":500,"headers":{"Content-Type":["text/plain; charset=utf-8"]},"body":"Internal Server Error"}';

/**
 * The SDK's `abort`: logs the error with the trace id, writes a 500 response
 * (unless one was already written) and exits with code 0.
 */
export function handlerAborted(
  message: string | null = null,
  fileName: string | null = null,
  lineNumber: u32 = 0,
  columnNumber: u32 = 0,
): void {
  let text = "handler failed: " + (message !== null ? message : "abort");
  if (fileName !== null) {
    // gojinn build compiles the entry under an alias (src/build/compile.ts).
    text += " at " + fileName.replace(".gojinn-entry.ts", ".ts") + ":" + lineNumber.toString() + ":" + columnNumber.toString();
  }
  writeLogLine("error", text);
  if (load<u8>(answeredCell) == 0) {
    markAnswered();
    writeString(STDOUT, INTERNAL_ERROR_RESPONSE);
  }
  proc_exit(0);
}
