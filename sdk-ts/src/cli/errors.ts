import { UserError } from "../wasm/inspect.js";

export { UserError };

/**
 * Prints an error as one line (`gojinn: ...`), or its first line plus the
 * details a UserError carries (asc diagnostics), and never a stack trace
 * unless GOJINN_DEBUG is set.
 */
export function reportError(err: unknown): void {
  if (process.env["GOJINN_DEBUG"] && err instanceof Error) {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`gojinn: ${message}\n`);
}
